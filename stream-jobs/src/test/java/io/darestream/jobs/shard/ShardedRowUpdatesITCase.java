package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.TrainingSamples;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.SnapshotPartRows;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.state.snapshot.SnapshotPartReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The row path of the sharded stage, one operator at a time in a harness (the embedded broker is
 * there because the trainer's replica feed and the owner's publisher connect to it): a trainer's
 * next micro-batch sees its own row updates without waiting for an owner's publish, an owner that
 * started empty does not look new rows up in its keyed state, while a restored one loads them, and
 * an owner writes its snapshot part from the rows it held at the barrier.
 */
class ShardedRowUpdatesITCase {
  private static final int MICRO_BATCH = 8;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static Configuration config(String topic) {
    KAFKA.kafka().createTopic(topic, 1);
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    c.set(KafkaOptions.DELTAS_TOPIC, topic);
    c.set(TrainerOptions.MAX_PARALLELISM, 16);
    c.set(TrainerOptions.MICRO_BATCH_SIZE, MICRO_BATCH);
    // The harness's clock does not move unless told: no window flush or publish by timer.
    c.set(TrainerOptions.GRADIENT_WINDOW, Duration.ofHours(1));
    ShardTesting.smallModelTop20(c);
    return c;
  }

  @Test
  void aTrainerSeesItsOwnRowUpdatesBeforeAnyOwnerPublishesThem() throws Exception {
    Configuration c = config("model-deltas-own-rows");
    TrainerOptions trainer = TrainerOptions.from(c);
    ModelOptions model = ModelOptions.from(c, trainer);
    ShardedTrainerOperator op = new ShardedTrainerOperator(model, trainer, KafkaOptions.from(c));
    List<TrainingSample> batch = TrainingSamples.random(MICRO_BATCH, 5, 5, 20, 11, 4);
    try (var h =
        new KeyedOneInputStreamOperatorTestHarness<Long, TrainingSample, PrequentialScore>(
            op, new ShardedTrainingStage.SampleUser(), Types.LONG, 16, 1, 0)) {
      h.open();
      for (TrainingSample s : batch) {
        h.processElement(new StreamRecord<>(s, s.eventTimeMs()));
      }
      assertThat(h.extractOutputValues()).as("one micro-batch trained").hasSize(MICRO_BATCH);

      // No owner runs here and nothing is on the topic: the replica's rows moved only if the
      // trainer applied its own gradients to them.
      DareModel replica = op.replica();
      EmbeddingTable items = replica.table("repr.item");
      int dim = items.dim();
      for (TrainingSample s : batch) {
        float[] initial = new float[dim];
        float[] now = new float[dim];
        items.initialWeights(s.targetItem(), initial, 0);
        assertThat(items.contains(s.targetItem())).as("row %d", s.targetItem()).isTrue();
        items.copyWeights(s.targetItem(), now, 0);
        assertThat(now).as("row %d trained", s.targetItem()).isNotEqualTo(initial);
      }

      // The same gradients still go to the owners (before the barrier), and the replica keeps no
      // record of its own changes (it publishes and stores nothing).
      h.prepareSnapshotPreBarrier(1);
      ConcurrentLinkedQueue<StreamRecord<GradientBatch>> sent =
          h.getSideOutput(ShardedTrainerOperator.GRADIENTS);
      int itemTable = replica.tables().indexOf(items);
      List<Long> itemRowsSent = new ArrayList<>();
      for (StreamRecord<GradientBatch> r : sent) {
        if (r.getValue().table() == itemTable) {
          Arrays.stream(r.getValue().ids()).forEach(itemRowsSent::add);
        }
      }
      assertThat(itemRowsSent)
          .as("every target's row goes to its owner")
          .containsAll(batch.stream().map(TrainingSample::targetItem).toList());
      for (EmbeddingTable t : replica.tables()) {
        assertThat(t.dirty().pendingFlush()).as(t.name()).isZero();
        assertThat(t.dirty().pendingPublish()).as(t.name()).isZero();
      }
    }
  }

  @Test
  void anOwnerStartedEmptyLooksNoNewRowUpInStateAndARestoredOneLoadsItsRows() throws Exception {
    Configuration c = config("model-deltas-owner-loads");
    TrainerOptions trainer = TrainerOptions.from(c);
    ModelOptions model = ModelOptions.from(c, trainer);
    RowRouting routing = new RowRouting(16);
    long[] ids = {3, 4, 5};
    int table = 0;
    int dim = DareModel.create(model.config()).tables().get(table).dim();
    OperatorSubtaskState state;
    try (var first = owner(model, trainer, c, routing, null)) {
      RowOwnerOperator op = (RowOwnerOperator) first.getOperator();
      for (long id : ids) {
        first.processElement(new StreamRecord<>(gradient(routing, table, id, dim)));
      }
      assertThat(op.model().tables().get(table).size()).isEqualTo(ids.length);
      assertThat(op.stateLookups()).as("new rows are not looked up").isZero();
      first.prepareSnapshotPreBarrier(1);
      state = first.snapshot(1, 1);
    }
    try (var restored = owner(model, trainer, c, routing, state)) {
      RowOwnerOperator op = (RowOwnerOperator) restored.getOperator();
      for (long id : ids) {
        restored.processElement(new StreamRecord<>(gradient(routing, table, id, dim)));
      }
      assertThat(op.stateLookups()).as("restored rows are looked up once").isEqualTo(ids.length);
      assertThat(op.storedRows().get(op.model().tables().get(table).name())).hasSize(ids.length);
    }
  }

  @Test
  void anOwnerLeavesOutAForgedNonFiniteGradientAndKeepsTheRowAsItWas() throws Exception {
    Configuration c = config("model-deltas-owner-non-finite");
    TrainerOptions trainer = TrainerOptions.from(c);
    ModelOptions model = ModelOptions.from(c, trainer);
    RowRouting routing = new RowRouting(16);
    int table = 0;
    long id = 3;
    int dim = DareModel.create(model.config()).tables().get(table).dim();
    try (var h = owner(model, trainer, c, routing, null)) {
      RowOwnerOperator op = (RowOwnerOperator) h.getOperator();
      var rows = op.model().tables().get(table);
      h.processElement(new StreamRecord<>(gradient(routing, table, id, dim)));
      float[] before = new float[rows.rowWidth()];
      op.model().withoutWriters(() -> rows.readRow(id, before));
      GradientBatch forged = gradient(routing, table, id, dim);
      forged.sums()[dim - 1] = Float.NaN;
      h.processElement(new StreamRecord<>(forged));
      float[] after = new float[rows.rowWidth()];
      op.model().withoutWriters(() -> rows.readRow(id, after));
      assertThat(after).as("weights and optimizer slots").containsExactly(before);
      for (float v : after) {
        assertThat(v).isFinite();
      }
    }
  }

  @Test
  void anOwnerWritesItsSnapshotPartFromTheRowsAtTheBarrierAndReadsStateOnlyAfterARestore()
      throws Exception {
    Configuration c = config("model-deltas-owner-parts");
    KAFKA.kafka().createTopic("model-snapshots-owner-parts", 1);
    c.set(KafkaOptions.SNAPSHOTS_TOPIC, "model-snapshots-owner-parts");
    Path parts = Files.createTempDirectory("owner-parts");
    c.set(TrainerOptions.SNAPSHOT_DIR, parts.toString());
    TrainerOptions trainer = TrainerOptions.from(c);
    ModelOptions model = ModelOptions.from(c, trainer);
    RowRouting routing = new RowRouting(16);
    long[] ids = {3, 4, 5};
    int table = 0;
    int dim = DareModel.create(model.config()).tables().get(table).dim();
    Map<Long, float[]> atBarrier = new TreeMap<>();
    String name;
    OperatorSubtaskState state;
    try (var first = owner(model, trainer, c, routing, null)) {
      RowOwnerOperator op = (RowOwnerOperator) first.getOperator();
      EmbeddingTable rows = op.model().tables().get(table);
      name = rows.name();
      for (long id : ids) {
        first.processElement(new StreamRecord<>(gradient(routing, table, id, dim)));
      }
      first.prepareSnapshotPreBarrier(1);
      state = first.snapshot(1, 1);
      for (long id : ids) {
        float[] w = new float[dim];
        rows.copyWeights(id, w, 0);
        atBarrier.put(id, w);
      }
      // The owner trains on before the checkpoint is confirmed: the part must not see it.
      first.processElement(new StreamRecord<>(gradient(routing, table, ids[0], dim)));
      float[] moved = new float[dim];
      rows.copyWeights(ids[0], moved, 0);
      assertThat(moved).isNotEqualTo(atBarrier.get(ids[0]));

      first.notifyOfCompletedCheckpoint(1);
      op.snapshotParts().awaitBackground();
      assertThat(op.partRowsReadFromState()).as("written from the copy, not the state").isZero();
      assertRowsEqual(partRows(parts, 1, name), atBarrier);
    }
    // A restored owner's state holds rows no gradient has brought into memory: read from state.
    try (var restored = owner(model, trainer, c, routing, state)) {
      RowOwnerOperator op = (RowOwnerOperator) restored.getOperator();
      restored.prepareSnapshotPreBarrier(2);
      restored.snapshot(2, 2);
      restored.notifyOfCompletedCheckpoint(2);
      op.snapshotParts().awaitBackground();
      assertThat(op.partRowsReadFromState()).isEqualTo(ids.length);
      assertRowsEqual(partRows(parts, 2, name), atBarrier);
    }
  }

  /** The rows of {@code table} in the owner's (writer 1's) part of checkpoint {@code id}. */
  private static Map<Long, float[]> partRows(Path root, long checkpoint, String table)
      throws Exception {
    Path dir;
    try (Stream<Path> dirs = Files.list(root)) {
      dir =
          dirs.filter(d -> d.getFileName().toString().contains("-c" + checkpoint + "-w1-"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no part of checkpoint " + checkpoint));
    }
    Map<Long, float[]> out = new TreeMap<>();
    SnapshotPartRows.read(
        SnapshotPartReader.verify(dir).directory().resolve("data").resolve("rows"),
        d -> {
          if (d.getTable().equals(table)) {
            for (DeltaRow r : d.getRows()) {
              out.put(r.getId(), ModelDeltas.unpackRow(r.getValues(), d.getDim()));
            }
          }
        });
    return out;
  }

  private static void assertRowsEqual(Map<Long, float[]> actual, Map<Long, float[]> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
    expected.forEach((id, w) -> assertThat(actual.get(id)).as("row %d", id).containsExactly(w));
  }

  /** A gradient for row {@code id} alone. */
  private static GradientBatch gradient(RowRouting routing, int table, long id, int dim) {
    float[] sums = new float[dim];
    sums[0] = 0.5f;
    return new GradientBatch(
        routing.keyGroupOf(id), table, new long[] {id}, new int[] {1}, sums, 1, -1, -1);
  }

  private static KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> owner(
      ModelOptions model,
      TrainerOptions trainer,
      Configuration c,
      RowRouting routing,
      OperatorSubtaskState restore)
      throws Exception {
    return ShardTesting.openOwner(
        new RowOwnerOperator(model, trainer, KafkaOptions.from(c)), routing, 16, 1, 0, restore);
  }
}
