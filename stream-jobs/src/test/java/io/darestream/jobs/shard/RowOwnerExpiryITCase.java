package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expiry and admission in a row owner (one subtask, RocksDB, restored from its own checkpoint): the
 * rows the single trainer would drop are dropped from the owner's state and go out as tombstones,
 * including restored rows no gradient reached since the restore; admission counts survive the
 * restore, are forgotten after a horizon without a sighting, and leave no state behind.
 */
class RowOwnerExpiryITCase {
  private static final int MAX_PARALLELISM = 16;
  private static final long HORIZON_MS = 60_000;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final AtomicInteger TOPICS = new AtomicInteger();

  private final String topic = "model-deltas-owner-expiry-" + TOPICS.incrementAndGet();
  private final RowRouting routing = new RowRouting(MAX_PARALLELISM);
  private long checkpointId;

  @TempDir Path tmp;

  private Configuration config(int admissionMinCount) {
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    c.set(KafkaOptions.DELTAS_TOPIC, topic);
    // Its own directory: a fresh owner counts its epoch from what the directory holds.
    c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots").toString());
    c.set(TrainerOptions.MAX_PARALLELISM, MAX_PARALLELISM);
    ShardTesting.smallModel(c);
    c.set(ModelOptions.EXPIRY, Duration.ofMillis(HORIZON_MS));
    c.set(ModelOptions.ADMISSION_MIN_COUNT, admissionMinCount);
    return c;
  }

  private KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> owner(
      Configuration c, OperatorSubtaskState restore) throws Exception {
    TrainerOptions trainer = TrainerOptions.from(c);
    return ShardTesting.openOwner(
        new RowOwnerOperator(ModelOptions.from(c, trainer), trainer, KafkaOptions.from(c)),
        routing,
        MAX_PARALLELISM,
        1,
        0,
        restore);
  }

  /** One gradient per id of table {@code t} (one batch per key group), at event time {@code t}. */
  private static void train(
      KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> h,
      RowRouting routing,
      int table,
      long[] ids,
      int contributions,
      long eventTimeMs)
      throws Exception {
    int dim = ((RowOwnerOperator) h.getOperator()).model().tables().get(table).dim();
    Map<Integer, long[]> byGroup = new HashMap<>();
    for (long id : ids) {
      byGroup.merge(
          routing.keyGroupOf(id),
          new long[] {id},
          (a, b) -> LongStream.concat(LongStream.of(a), LongStream.of(b)).toArray());
    }
    for (Map.Entry<Integer, long[]> e : byGroup.entrySet()) {
      long[] group = e.getValue();
      int[] counts = new int[group.length];
      java.util.Arrays.fill(counts, contributions);
      float[] sums = new float[group.length * dim];
      for (int i = 0; i < sums.length; i++) {
        sums[i] = 0.01f * ((i % 7) - 3);
      }
      h.processElement(
          new StreamRecord<>(
              new GradientBatch(e.getKey(), table, group, counts, sums, eventTimeMs, -1, -1)));
    }
  }

  private OperatorSubtaskState checkpoint(
      KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> h) throws Exception {
    long id = ++checkpointId;
    h.prepareSnapshotPreBarrier(id); // publishes (and expires), then writes rows back
    return h.snapshot(id, id);
  }

  private static Set<Long> stored(
      KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> h, String table)
      throws Exception {
    return new TreeSet<>(((RowOwnerOperator) h.getOperator()).storedRows().get(table).keySet());
  }

  private static long[] ids(long from, long to) {
    return LongStream.rangeClosed(from, to).toArray();
  }

  /** The ids whose newest delta in {@link #topic} is a tombstone (no values). */
  private Set<Long> tombstones(String table) {
    Map<Long, Boolean> deleted = new HashMap<>();
    for (var r : JobReplay.readAll(KAFKA.bootstrapServers(), topic)) {
      ModelDelta d = Codecs.MODEL_DELTA.decode(r.value());
      if (d.getTable().equals(table)) {
        d.getRows().forEach(row -> deleted.put(row.getId(), !row.getValues().hasRemaining()));
      }
    }
    Set<Long> out = new TreeSet<>();
    deleted.forEach(
        (id, gone) -> {
          if (gone) {
            out.add(id);
          }
        });
    return out;
  }

  @Test
  void rowsNotUpdatedForAHorizonLeaveTheStateAsTombstonesAsInTheSingleTrainer() throws Exception {
    KAFKA.kafka().createTopic(topic, 1);
    Configuration c = config(1);
    int item = tableIndex(c, "repr.item");
    var first = owner(c, null);
    train(first, routing, item, ids(1, 40), 1, 1_000);
    OperatorSubtaskState saved = checkpoint(first);
    assertThat(stored(first, "repr.item")).hasSize(40);
    first.close();

    // The single trainer on the same schedule: restored rows get their clock at the first expiry.
    DareModel single = DareModel.create(ModelOptions.from(c, TrainerOptions.from(c)).config());
    EmbeddingTable singleItems = single.table("repr.item");
    float[] row = new float[singleItems.rowWidth()];
    for (long id = 1; id <= 40; id++) {
      singleItems.writeRow(id, row);
    }

    var restored = owner(c, saved);
    train(restored, routing, item, ids(1, 10), 1, 2_000); // loads 1..10 from state, trains them
    checkpoint(restored);
    single.exclusive(() -> singleItems.applyGradients(ids(1, 10), null, grads(10, 8), 10, 2_000));
    single.expire(2_000);

    train(restored, routing, item, ids(1, 5), 1, 50_000);
    checkpoint(restored);
    single.exclusive(() -> singleItems.applyGradients(ids(1, 5), null, grads(5, 8), 5, 50_000));
    single.expire(50_000);
    assertThat(stored(restored, "repr.item")).as("nothing is a horizon old yet").hasSize(40);

    train(restored, routing, item, ids(1, 3), 1, 63_000);
    checkpoint(restored);
    single.exclusive(() -> singleItems.applyGradients(ids(1, 3), null, grads(3, 8), 3, 63_000));
    single.expire(63_000);

    Set<Long> singleLive = new TreeSet<>();
    for (long id : singleItems.ids()) {
      singleLive.add(id);
    }
    assertThat(singleLive).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(stored(restored, "repr.item")).as("owner state").isEqualTo(singleLive);
    Set<Long> expired = new TreeSet<>();
    for (long id = 6; id <= 40; id++) {
      expired.add(id);
    }
    // 6..10: expired in memory; 11..40: restored, never reached again, found in state.
    assertThat(tombstones("repr.item")).as("tombstones sent").isEqualTo(expired);
    restored.close();
  }

  @Test
  void admissionCountsSurviveARestoreAndAreForgottenAfterAHorizon() throws Exception {
    KAFKA.kafka().createTopic(topic, 1);
    Configuration c = config(3);
    int item = tableIndex(c, "repr.item");
    var first = owner(c, null);
    train(first, routing, item, new long[] {7, 8, 9}, 1, 1_000);
    train(first, routing, item, new long[] {7, 8}, 1, 2_000);
    OperatorSubtaskState saved = checkpoint(first);
    assertThat(stored(first, "repr.item")).as("none admitted yet").isEmpty();
    first.close();

    var restored = owner(c, saved);
    train(restored, routing, item, new long[] {7}, 1, 3_000); // third sighting: admitted
    checkpoint(restored);
    assertThat(stored(restored, "repr.item"))
        .as("the count survived the restore")
        .containsExactly(7L);

    // 8 was seen twice, then not for a horizon: its count starts over.
    train(restored, routing, item, new long[] {8}, 1, 2_000 + HORIZON_MS);
    checkpoint(restored);
    assertThat(stored(restored, "repr.item")).containsExactly(7L);
    assertThat(pendingCounts(restored, "repr.item"))
        .as("8 counted afresh, 9 still held")
        .contains(8L);

    // Two horizons on, the counts of ids seen once and never again are dropped from state.
    train(restored, routing, item, new long[] {7}, 1, 1_000 + 3 * HORIZON_MS);
    checkpoint(restored);
    assertThat(pendingCounts(restored, "repr.item")).as("no admission state left behind").isEmpty();
    restored.close();
  }

  private static Set<Long> pendingCounts(
      KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> h, String table)
      throws Exception {
    Set<Long> out = new HashSet<>();
    try (var keys =
        h.getOperator()
            .getKeyedStateBackend()
            .<org.apache.flink.runtime.state.VoidNamespace>getKeys(
                OwnerAdmission.stateName(table),
                org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
      keys.forEach(k -> out.add((Long) k));
    }
    return out;
  }

  private static int tableIndex(Configuration c, String name) {
    var tables = DareModel.create(ModelOptions.from(c, TrainerOptions.from(c)).config()).tables();
    for (int i = 0; i < tables.size(); i++) {
      if (tables.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(name);
  }

  /** The gradients {@link #train} sends, for {@code n} rows of {@code dim}. */
  private static float[] grads(int n, int dim) {
    float[] g = new float[n * dim];
    for (int i = 0; i < g.length; i++) {
      g[i] = 0.01f * ((i % 7) - 3);
    }
    return g;
  }
}
