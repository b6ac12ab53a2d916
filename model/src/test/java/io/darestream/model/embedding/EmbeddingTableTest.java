package io.darestream.model.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class EmbeddingTableTest {
  private static EmbeddingTable table(String name, long seed, int minCount, long expiryMs) {
    return new EmbeddingTable(
        name, 8, new LazyAdam(0.1f), new RowInitializer(seed, name, 0.01f), minCount, expiryMs);
  }

  @Test
  void rowInitIsAPureFunctionOfSeedTableAndId() {
    float[] a = new float[8];
    float[] b = new float[8];
    table("att.item", 1, 1, 0).copyWeights(42, a, 0);
    table("att.item", 1, 1, 0).copyWeights(42, b, 0);
    assertThat(b).containsExactly(a);
    table("repr.item", 1, 1, 0).copyWeights(42, b, 0);
    assertThat(b).isNotEqualTo(a);
    table("att.item", 2, 1, 0).copyWeights(42, b, 0);
    assertThat(b).isNotEqualTo(a);
    // Pinned bits: another process, JVM or machine must create the identical row.
    new RowInitializer(1, "att.item", 0.01f).fill(42, b, 0, 8);
    assertThat(b).containsExactly(a);
    assertThat(Float.floatToIntBits(a[0])).isEqualTo(998660353);
    assertThat(Float.floatToIntBits(a[1])).isEqualTo(-1137080903);
  }

  @Test
  void quantileTableIsASymmetricMonotoneStandardNormal() {
    float[] q = RowInitializer.normalQuantiles(1 << 16);
    for (int k = 1; k < q.length; k++) {
      assertThat(q[k]).isGreaterThan(q[k - 1]);
      assertThat(q[q.length - 1 - k]).isEqualTo(-q[k]);
    }
    // Reference quantiles of N(0, 1).
    assertThat(RowInitializer.inverseNormalCdf(0.975)).isCloseTo(1.959963985, within(1e-8));
    assertThat(RowInitializer.inverseNormalCdf(0.5)).isEqualTo(0.0);
    assertThat(RowInitializer.inverseNormalCdf(0.001)).isCloseTo(-3.090232306, within(1e-8));
    assertThat(RowInitializer.inverseNormalCdf(0.84134474607)).isCloseTo(1.0, within(1e-8));
    assertThatThrownBy(() -> RowInitializer.inverseNormalCdf(1.0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void initialValuesLookNormalWithTheConfiguredStd() {
    RowInitializer init = new RowInitializer(3, "t", 0.01f);
    int n = 20_000;
    float[] row = new float[16];
    double sum = 0;
    double sq = 0;
    for (int id = 0; id < n / 16; id++) {
      init.fill(id, row, 0, 16);
      for (float f : row) {
        sum += f;
        sq += f * f;
      }
    }
    double mean = sum / n;
    double std = Math.sqrt(sq / n - mean * mean);
    assertThat(mean).isBetween(-5e-4, 5e-4);
    assertThat(std).isBetween(0.0097, 0.0103);
  }

  @Test
  void freshRowEqualsTheValueReadBeforeItExisted() {
    EmbeddingTable t = table("x", 5, 1, 0);
    float[] before = new float[8];
    t.copyWeights(9, before, 0);
    t.applyGradient(9, new float[8], 0, 1);
    float[] row = new float[t.rowWidth()];
    assertThat(t.readRow(9, row)).isTrue();
    for (int j = 0; j < 8; j++) {
      assertThat(row[j]).isEqualTo(before[j]);
    }
    assertThat(t.dirty().drainSincePublish()).containsExactly(9L);
  }

  @Test
  void admissionWaitsForTheMinimumCount() {
    EmbeddingTable t = table("x", 5, 3, 0);
    float[] g = {1, 1, 1, 1, 1, 1, 1, 1};
    assertThat(t.applyGradient(7, g, 0, 1)).isFalse();
    assertThat(t.applyGradient(7, g, 0, 2)).isFalse();
    assertThat(t.counters()).isEqualTo(new TableCounters(0, 0, 0, 1));
    assertThat(t.applyGradient(7, g, 0, 3)).isTrue();
    assertThat(t.counters()).isEqualTo(new TableCounters(1, 0, 1, 0));
    assertThat(t.dirty().pendingFlush()).isEqualTo(1);
  }

  @Test
  void expiryDropsStaleRowsAndMarksThemDirty() {
    EmbeddingTable t = table("x", 5, 1, 1_000);
    float[] g = new float[8];
    t.applyGradient(1, g, 0, 0);
    t.applyGradient(2, g, 0, 1_500);
    t.dirty().drainSinceFlush();
    assertThat(t.expire(2_000)).isEqualTo(1);
    assertThat(t.contains(1)).isFalse();
    assertThat(t.contains(2)).isTrue();
    assertThat(t.counters()).isEqualTo(new TableCounters(2, 1, 1, 0));
    assertThat(t.dirty().drainSinceFlush()).containsExactly(1L);
    // The freed slot is reused.
    t.applyGradient(3, g, 0, 2_100);
    assertThat(t.size()).isEqualTo(2);
  }

  @Test
  void admissionCountsAreForgottenAfterTheExpiryHorizon() {
    EmbeddingTable t = table("x", 5, 2, 1_000);
    float[] g = new float[8];
    t.expire(0); // the first generation begins
    assertThat(t.applyGradient(7, g, 0, 100)).isFalse();
    assertThat(t.applyGradient(8, g, 0, 100)).isFalse();
    t.expire(1_000); // rotation: 7 and 8 are in the older generation, still counted
    assertThat(t.counters().pendingAdmission()).isEqualTo(2);
    assertThat(t.applyGradient(7, g, 0, 1_100)).isTrue(); // second sighting within the horizon
    t.expire(2_000); // 8 was not seen for a whole generation: forgotten
    assertThat(t.counters().pendingAdmission()).isZero();
    assertThat(t.applyGradient(8, g, 0, 2_100)).isFalse(); // counts from 1 again
    assertThat(t.contains(8)).isFalse();
  }

  /**
   * Updates {@code idsPerMs} ids never seen before in each millisecond for 20 s, expiring every 100
   * ms, and returns the largest {@code measure} of the table seen after any millisecond.
   */
  private static int peakOverOneOffIds(
      EmbeddingTable t, int idsPerMs, ToIntFunction<EmbeddingTable> measure) {
    float[] g = new float[8];
    long id = 0;
    int peak = 0;
    for (long now = 0; now < 20_000; now++) {
      for (int i = 0; i < idsPerMs; i++) {
        t.applyGradient(id++, g, 0, now);
      }
      if (now % 100 == 0) {
        t.expire(now);
      }
      peak = Math.max(peak, measure.applyAsInt(t));
    }
    return peak;
  }

  @Test
  void admissionCountsStayBoundedOverAnUnboundedIdSpace() {
    long expiryMs = 1_000;
    EmbeddingTable t = table("x", 5, 3, expiryMs);
    int idsPerMs = 5; // 100_000 ids in all: 10 times the bound
    // Every id is seen once (never admitted), as forged or one-off ids are. Counts live for at most
    // two generations, each at most expiryMs + 100 ms long.
    int maxPending = peakOverOneOffIds(t, idsPerMs, table -> table.counters().pendingAdmission());

    assertThat(t.size()).isZero();
    assertThat(maxPending).isLessThanOrEqualTo((int) (2 * (expiryMs + 100) * idsPerMs));
  }

  @Test
  void liveRowsStayBoundedOverAnUnboundedIdSpace() {
    long expiryMs = 1_000;
    EmbeddingTable t = table("x", 5, 1, expiryMs);
    int maxLive = peakOverOneOffIds(t, 1, EmbeddingTable::size);

    // Alive after an expiry at c: updated at or after c - expiryMs; plus 100 ms until the next.
    assertThat(maxLive).isLessThanOrEqualTo((int) (expiryMs + 100 + 1));
    assertThat(t.counters().expired()).isGreaterThan(18_000);
  }

  @Test
  void rowsRoundTripWithOptimizerSlots() {
    EmbeddingTable t = table("x", 5, 1, 0);
    float[] g = {1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 0; i < 1000; i++) {
      t.applyGradient(i, g, 0, 1);
    }
    float[] row = new float[t.rowWidth()];
    assertThat(t.rowWidth()).isEqualTo(8 + 17);
    t.readRow(500, row);
    EmbeddingTable copy = table("x", 5, 1, 0);
    copy.writeRow(500, row);
    float[] back = new float[t.rowWidth()];
    copy.readRow(500, back);
    assertThat(back).containsExactly(row);
    assertThat(row[8 + 16]).isEqualTo(1f); // lazy Adam step count
    assertThat(t.ids()).hasSize(1000);
  }

  @Test
  void ensureCapacityKeepsRowsAndTheirValues() {
    EmbeddingTable t = table("x", 5, 1, 0);
    float[] g = {1, 1, 1, 1, 1, 1, 1, 1};
    t.applyGradient(3, g, 0, 1);
    float[] before = new float[t.rowWidth()];
    t.readRow(3, before);
    t.ensureCapacity(50_000);
    float[] after = new float[t.rowWidth()];
    assertThat(t.readRow(3, after)).isTrue();
    assertThat(after).containsExactly(before);
    for (long id = 10; id < 50_000; id++) {
      t.writeRow(id, new float[8]);
    }
    assertThat(t.size()).isEqualTo(49_991);
  }
}
