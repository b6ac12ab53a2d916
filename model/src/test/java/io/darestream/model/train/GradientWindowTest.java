package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.LazyAdam;
import io.darestream.model.embedding.RowInitializer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sharded trainer's window: sums and contribution counts per row across micro-batches when
 * coalescing, one entry per row and micro-batch otherwise, grouping by part on drain, its bound;
 * and the owner's apply of a drained window, which must give the single trainer's rows bit for bit
 * for one micro-batch, and for a window of several when not coalescing.
 */
class GradientWindowTest {
  private static EmbeddingTable table(String name) {
    return new EmbeddingTable(
        name, 2, new LazyAdam(0.1f), new RowInitializer(1, name, 0.01f), 1, 0);
  }

  private record Part(int table, int part, long[] ids, int[] contributions, float[] sums) {}

  private static List<Part> drain(GradientWindow w, int parts) {
    List<Part> out = new ArrayList<>();
    w.drain(
        id -> (int) Math.floorMod(id, parts),
        parts,
        (t, p, i, c, s) -> out.add(new Part(t, p, i, c, s)));
    return out;
  }

  @Test
  void sumsAndCountsRowsAcrossBatchesAndGroupsThemByPart() {
    EmbeddingTable a = table("a");
    EmbeddingTable b = table("b");
    GradientWindow w = new GradientWindow(List.of(a, b), 100, true);
    RowGradients first = new RowGradients();
    first.of(a).add(1, new float[] {1f, 2f}, 0, 1f);
    first.of(a).add(2, new float[] {3f, 4f}, 0, 1f);
    first.of(b).add(1, new float[] {5f, 6f}, 0, 1f);
    w.add(first, 10, 100, 110);
    RowGradients second = new RowGradients();
    second.of(a).add(2, new float[] {0.5f, 0.5f}, 0, 1f);
    second.of(a).add(4, new float[] {1f, 1f}, 0, 1f);
    w.add(second, 20, 90, 120);

    assertThat(w.rows()).isEqualTo(4); // a:1, a:2, a:4, b:1
    assertThat(w.batches()).isEqualTo(2);
    assertThat(w.newestEventTimeMs()).isEqualTo(20);
    assertThat(w.minIngestTimeMs()).isEqualTo(90);
    assertThat(w.maxIngestTimeMs()).isEqualTo(120);

    List<Part> parts = drain(w, 2);
    Map<String, Part> byKey = new HashMap<>();
    parts.forEach(p -> byKey.put(p.table() + "/" + p.part(), p));
    assertThat(byKey).containsOnlyKeys("0/0", "0/1", "1/1");
    Part evenA = byKey.get("0/0");
    assertThat(evenA.ids()).containsExactly(2, 4);
    assertThat(evenA.contributions()).containsExactly(2, 1);
    assertThat(evenA.sums()).containsExactly(3.5f, 4.5f, 1f, 1f);
    assertThat(byKey.get("0/1").ids()).containsExactly(1);
    assertThat(byKey.get("0/1").contributions()).containsExactly(1);
    assertThat(byKey.get("1/1").sums()).containsExactly(5f, 6f);

    assertThat(w.isEmpty()).isTrue();
    assertThat(w.rows()).isZero();
    assertThat(drain(w, 2)).isEmpty();
    assertThat(w.minIngestTimeMs()).isEqualTo(-1);
  }

  @Test
  void isFullAtItsBoundAndRefusesPartsOutOfRange() {
    EmbeddingTable a = table("a");
    GradientWindow w = new GradientWindow(List.of(a), 3, true);
    RowGradients g = new RowGradients();
    for (long id = 0; id < 3; id++) {
      g.of(a).add(id, new float[] {1f, 1f}, 0, 1f);
    }
    w.add(g, 1, -1, -1);
    assertThat(w.full()).isTrue();
    assertThatThrownBy(() -> w.drain(id -> 5, 2, (t, p, i, c, s) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("part 5");
    assertThatThrownBy(() -> new GradientWindow(List.of(a), 0, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ownersApplyingOneDrainedMicroBatchGiveTheSingleTrainersRowsBitForBit() {
    DareConfig cfg = smallConfig(true);
    DareModel single = DareModel.create(cfg);
    DareModel sharded = DareModel.create(cfg);
    GradientWindow window = new GradientWindow(sharded.tables(), 1 << 20, false);
    for (int step = 0; step < 3; step++) {
      List<TrainingSample> batch = Samples.random(32, 60, 30, 70 + step);
      float[] expected = single.trainBatch(batch).predictions();
      long newest = batch.stream().mapToLong(TrainingSample::eventTimeMs).max().orElseThrow();
      float[] got =
          sharded.trainBatch(batch, rows -> window.add(rows, newest, -1, -1)).predictions();
      assertThat(got).containsExactly(expected);
      applyDrained(window, sharded, 7, newest);
    }
    float[] x = new float[64];
    float[] y = new float[64];
    for (EmbeddingTable t : single.tables()) {
      EmbeddingTable other = sharded.table(t.name());
      assertThat(other.size()).as(t.name()).isEqualTo(t.size());
      for (long id : t.ids()) {
        t.readRow(id, x);
        assertThat(other.readRow(id, y)).isTrue();
        assertThat(y).as(t.name() + " row " + id).containsExactly(x);
      }
    }
    assertThat(sharded.dense().blocks()).isEqualTo(single.dense().blocks());
  }

  @Test
  void keepsOneEntryPerRowAndMicroBatchInOrderWhenNotCoalescing() {
    EmbeddingTable a = table("a");
    GradientWindow w = new GradientWindow(List.of(a), 100, false);
    RowGradients first = new RowGradients();
    first.of(a).add(2, new float[] {3f, 4f}, 0, 1f);
    w.add(first, 10, -1, -1);
    RowGradients second = new RowGradients();
    second.of(a).add(2, new float[] {0.5f, 0.5f}, 0, 1f);
    second.of(a).add(4, new float[] {1f, 1f}, 0, 1f);
    w.add(second, 20, -1, -1);

    assertThat(w.rows()).isEqualTo(3);
    Part even = drain(w, 2).get(0);
    assertThat(even.ids()).containsExactly(2, 2, 4);
    assertThat(even.contributions()).containsExactly(1, 1, 1);
    assertThat(even.sums()).containsExactly(3f, 4f, 0.5f, 0.5f, 1f, 1f);
  }

  @Test
  void ownersApplyingAWindowOfSeveralMicroBatchesGiveTheSingleTrainersRowsWhenNotCoalescing() {
    assertThat(ownerRowsEqualSingleTrainers(false)).isTrue();
    // Coalesced, the owner's k steps with the mean gradient are not the single trainer's steps.
    assertThat(ownerRowsEqualSingleTrainers(true)).isFalse();
  }

  /**
   * Trains 4 micro-batches in a replica that applies its own row gradients (as a sharded trainer
   * does), buffers them in one window, and applies the drained window to an owner model: whether
   * the owner's rows are then the single trainer's, bit for bit.
   */
  private static boolean ownerRowsEqualSingleTrainers(boolean coalesce) {
    DareConfig cfg = smallConfig(false);
    DareModel single = DareModel.create(cfg);
    DareModel replica = DareModel.create(cfg);
    DareModel owner = DareModel.create(cfg);
    GradientWindow window = new GradientWindow(replica.tables(), 1 << 20, coalesce);
    long newest = 0;
    for (int step = 0; step < 4; step++) {
      // Few items: rows repeat across the micro-batches.
      List<TrainingSample> batch = Samples.random(32, 12, 6, 90 + step);
      single.trainBatch(batch);
      long t = batch.stream().mapToLong(TrainingSample::eventTimeMs).max().orElseThrow();
      newest = Math.max(newest, t);
      replica.trainBatch(
          batch,
          rows -> {
            window.add(rows, t, -1, -1);
            rows.apply(t);
          });
    }
    applyDrained(window, owner, 3, newest);
    float[] x = new float[64];
    float[] y = new float[64];
    for (EmbeddingTable t : single.tables()) {
      EmbeddingTable other = owner.table(t.name());
      if (other.size() != t.size()) {
        return false;
      }
      for (long id : t.ids()) {
        t.readRow(id, x);
        if (!other.readRow(id, y) || !java.util.Arrays.equals(x, y)) {
          return false;
        }
      }
    }
    return true;
  }

  private static DareConfig smallConfig(boolean auxiliaryLoss) {
    return DareConfig.builder()
        .attentionDim(4)
        .representationDim(6)
        .topK(5)
        .maxHistory(24)
        .hiddenSizes(16, 8)
        .microBatchSize(32)
        .auxiliaryLoss(auxiliaryLoss)
        .seed(5)
        .build();
  }

  /** The owners' side: drains the window into {@code parts} parts, each applied to its table. */
  private static void applyDrained(GradientWindow window, DareModel owner, int parts, long clock) {
    List<EmbeddingTable> tables = owner.tables();
    window.drain(
        id -> (int) Math.floorMod(id, parts),
        parts,
        (t, p, ids, contributions, sums) ->
            owner.exclusive(
                () ->
                    tables
                        .get(t)
                        .applyGradients(ids, null, sums, contributions, ids.length, clock)));
  }
}
