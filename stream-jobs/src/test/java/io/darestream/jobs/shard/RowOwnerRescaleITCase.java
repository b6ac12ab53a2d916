package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rescaling the row owners' state, through Flink's own repartitioning of a checkpoint on the
 * RocksDB backend: owners trained at parallelism 2 are restored at 4, train on, and are restored at
 * 1 and train on. At every step the rows in the owners' state (weights and Adam slots) equal, bit
 * for bit, the rows of one model that applied the same gradients in the same order: nothing is
 * lost, duplicated or changed by a rescale, and each restart begins a new epoch.
 */
class RowOwnerRescaleITCase {
  private static final int MAX_PARALLELISM = 16;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path tmp;

  private static Configuration config() {
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    c.set(KafkaOptions.DELTAS_TOPIC, "model-deltas-rescale");
    // Its own directory: a fresh owner counts its epoch from what the directory holds.
    c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots").toString());
    c.set(TrainerOptions.MAX_PARALLELISM, MAX_PARALLELISM);
    ShardTesting.smallModel(c);
    return c;
  }

  private final Configuration config = config();
  private final TrainerOptions trainer = TrainerOptions.from(config);
  private final ModelOptions model = ModelOptions.from(config, trainer);
  private final RowRouting routing = new RowRouting(MAX_PARALLELISM);
  private final DareModel reference = DareModel.create(model.config());

  private KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> owner(
      int parallelism, int subtask, OperatorSubtaskState restore) throws Exception {
    return ShardTesting.openOwner(
        new RowOwnerOperator(model, trainer, KafkaOptions.from(config)),
        routing,
        MAX_PARALLELISM,
        parallelism,
        subtask,
        restore == null
            ? null
            : AbstractStreamOperatorTestHarness.repartitionOperatorState(
                restore, MAX_PARALLELISM, previousParallelism, parallelism, subtask));
  }

  private int previousParallelism;

  /** Random gradients for ids 0..399 of every table, one batch per (table, key group). */
  private List<GradientBatch> batches(long seed) {
    Random r = new Random(seed);
    List<EmbeddingTable> tables = reference.tables();
    List<GradientBatch> out = new ArrayList<>();
    for (int t = 0; t < tables.size(); t++) {
      int dim = tables.get(t).dim();
      Map<Integer, List<Long>> byGroup = new TreeMap<>();
      for (int i = 0; i < 60; i++) {
        long id = r.nextInt(400);
        List<Long> ids = byGroup.computeIfAbsent(routing.keyGroupOf(id), g -> new ArrayList<>());
        if (!ids.contains(id)) {
          ids.add(id);
        }
      }
      for (Map.Entry<Integer, List<Long>> e : byGroup.entrySet()) {
        int n = e.getValue().size();
        long[] ids = e.getValue().stream().mapToLong(Long::longValue).toArray();
        int[] contributions = new int[n];
        float[] sums = new float[n * dim];
        for (int i = 0; i < n; i++) {
          contributions[i] = 1 + r.nextInt(3);
        }
        for (int i = 0; i < sums.length; i++) {
          sums[i] = (float) r.nextGaussian() * 0.1f;
        }
        out.add(new GradientBatch(e.getKey(), t, ids, contributions, sums, 1000 + seed, -1, -1));
      }
    }
    return out;
  }

  /** Feeds each batch to the owner of its key group, and applies it to the reference. */
  private void train(
      List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> owners,
      List<GradientBatch> batches)
      throws Exception {
    for (GradientBatch b : batches) {
      int subtask =
          KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup(
              MAX_PARALLELISM, owners.size(), b.keyGroup());
      owners.get(subtask).processElement(new StreamRecord<>(b));
      EmbeddingTable t = reference.tables().get(b.table());
      reference.exclusive(
          () ->
              t.applyGradients(
                  b.ids(), null, b.sums(), b.contributions(), b.size(), b.newestEventTimeMs()));
    }
  }

  private OperatorSubtaskState checkpoint(
      List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> owners, long id)
      throws Exception {
    OperatorSubtaskState[] states = new OperatorSubtaskState[owners.size()];
    for (int i = 0; i < owners.size(); i++) {
      owners.get(i).prepareSnapshotPreBarrier(id);
      states[i] = owners.get(i).snapshot(id, id);
    }
    return AbstractStreamOperatorTestHarness.repackageState(states);
  }

  /** The rows of every owner's state, as float bits, by table then id. */
  private static Map<String, Map<Long, List<Integer>>> stored(
      List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> owners)
      throws Exception {
    Map<String, Map<Long, List<Integer>>> out = new LinkedHashMap<>();
    for (var h : owners) {
      ((RowOwnerOperator) h.getOperator())
          .storedRows()
          .forEach(
              (table, rows) -> {
                Map<Long, List<Integer>> t = out.computeIfAbsent(table, k -> new TreeMap<>());
                rows.forEach(
                    (id, row) ->
                        assertThat(t.put(id, ShardTesting.bits(row)))
                            .as("one owner per row")
                            .isNull());
              });
    }
    return out;
  }

  private Map<String, Map<Long, List<Integer>>> referenceRows() {
    Map<String, Map<Long, List<Integer>>> out = new LinkedHashMap<>();
    for (EmbeddingTable t : reference.tables()) {
      Map<Long, List<Integer>> rows = new TreeMap<>();
      float[] row = new float[t.rowWidth()];
      for (long id : t.ids()) {
        t.readRow(id, row);
        rows.put(id, ShardTesting.bits(row));
      }
      out.put(t.name(), rows);
    }
    return out;
  }

  private static void closeAll(
      List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> owners)
      throws Exception {
    for (var h : owners) {
      h.close();
    }
  }

  private static long epoch(KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> h) {
    return ((RowOwnerOperator) h.getOperator()).epoch();
  }

  @Test
  void ownersRescaledFromTwoToFourToOneKeepEveryRowBitForBitAndTrainOn() throws Exception {
    KAFKA.kafka().createTopic("model-deltas-rescale", 1);
    List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> two = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      two.add(owner(2, i, null));
    }
    train(two, batches(1));
    train(two, batches(2)); // rows updated twice: Adam slots past their first step
    OperatorSubtaskState atTwo = checkpoint(two, 1);
    Map<String, Map<Long, List<Integer>>> rowsAtTwo = stored(two);
    assertThat(rowsAtTwo).isEqualTo(referenceRows());
    assertThat(rowsAtTwo.get("att.item")).hasSizeGreaterThan(100);
    assertThat(epoch(two.get(0))).isEqualTo(1);
    closeAll(two);

    previousParallelism = 2;
    List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> four =
        new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      four.add(owner(4, i, atTwo));
    }
    assertThat(stored(four)).as("restored at 4").isEqualTo(rowsAtTwo);
    assertThat(epoch(four.get(3))).isEqualTo(2);
    train(four, batches(3));
    OperatorSubtaskState atFour = checkpoint(four, 2);
    Map<String, Map<Long, List<Integer>>> rowsAtFour = stored(four);
    assertThat(rowsAtFour).as("trained on at 4").isEqualTo(referenceRows());
    assertThat(rowsAtFour).isNotEqualTo(rowsAtTwo);
    closeAll(four);

    previousParallelism = 4;
    var one = List.of(owner(1, 0, atFour));
    assertThat(stored(one)).as("restored at 1").isEqualTo(rowsAtFour);
    assertThat(epoch(one.get(0))).isEqualTo(3);
    train(one, batches(4));
    checkpoint(one, 3);
    assertThat(stored(one)).as("trained on at 1").isEqualTo(referenceRows());
    closeAll(one);
  }
}
