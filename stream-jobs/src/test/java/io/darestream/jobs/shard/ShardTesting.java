package io.darestream.jobs.shard;

import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * The shard tests' shared setup: the small model they train, the stage timings of their MiniCluster
 * runs, a row owner in a RocksDB-backed harness, and a row's (or a model's rows') exact float bits
 * for comparisons.
 */
final class ShardTesting {
  private ShardTesting() {}

  /** A small model (attention 4, representation 8): quick to train, real in every other way. */
  static void smallModel(Configuration c) {
    c.set(ModelOptions.ATTENTION_DIM, 4);
    c.set(ModelOptions.REPRESENTATION_DIM, 8);
  }

  /** {@link #smallModel} searching the top 20 of histories of at most 20 behaviours. */
  static void smallModelTop20(Configuration c) {
    smallModel(c);
    c.set(ModelOptions.TOP_K, 20);
    c.set(ModelOptions.MAX_HISTORY, 20);
  }

  /**
   * The sharded stage's timers at test speed: publish every 100 ms, gradient windows of 20 ms, a
   * dense average every 100 ms.
   */
  static void fastStage(Configuration c) {
    c.set(TrainerOptions.PUBLISH_INTERVAL, Duration.ofMillis(100));
    c.set(TrainerOptions.GRADIENT_WINDOW, Duration.ofMillis(20));
    c.set(TrainerOptions.DENSE_AVERAGE_INTERVAL, Duration.ofMillis(100));
  }

  /**
   * Opens {@code owner} as subtask {@code subtask} of {@code parallelism} in a harness with the
   * RocksDB backend, keyed by {@code routing}; from {@code restore} (already repartitioned for this
   * subtask) when it is not null, else empty.
   */
  static KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> openOwner(
      RowOwnerOperator owner,
      RowRouting routing,
      int maxParallelism,
      int parallelism,
      int subtask,
      OperatorSubtaskState restore)
      throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            owner, routing.batchKey(), Types.LONG, maxParallelism, parallelism, subtask);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    h.setup();
    if (restore == null) {
      h.initializeEmptyState();
    } else {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  /** The raw bits of each float of {@code row}: equal lists mean bit-identical rows. */
  static List<Integer> bits(float[] row) {
    List<Integer> out = new ArrayList<>(row.length);
    for (float f : row) {
      out.add(Float.floatToRawIntBits(f));
    }
    return out;
  }

  /** Every row of {@code model} (weights and optimizer slots) as float bits, by table then id. */
  static Map<String, Map<Long, List<Integer>>> rows(DareModel model) {
    Map<String, Map<Long, List<Integer>>> out = new LinkedHashMap<>();
    model.withoutWriters(
        () -> {
          for (EmbeddingTable t : model.tables()) {
            Map<Long, List<Integer>> rows = new TreeMap<>();
            float[] row = new float[t.rowWidth()];
            for (long id : t.ids()) {
              t.readRow(id, row);
              rows.put(id, bits(row));
            }
            out.put(t.name(), rows);
          }
        });
    return out;
  }
}
