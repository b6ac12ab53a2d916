package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.TrainingSamples;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.jobs.train.PretrainedModel;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import io.darestream.state.snapshot.SnapshotRejectedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sharded stage's warm start ({@code dare.trainer.initial-snapshot}), one operator at a time in
 * a harness: two row owners hold exactly the snapshot's rows of their own key groups (weights and
 * Adam slots, bit for bit), write them into their keyed state and train on from them; a restore
 * keeps its state and ignores the snapshot; the dense averager publishes the snapshot's dense
 * blocks as version 0 unless restored; a trainer's replica is the snapshot and scores with it,
 * unless restored; a snapshot of another model config, or a corrupt one, is refused at start.
 */
class ShardedWarmStartITCase {
  private static final int MAX_PARALLELISM = 16;
  private static final int MICRO_BATCH = 8;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path tmp;

  private Configuration config(String suffix, Path snapshot) {
    KAFKA.kafka().createTopic("model-deltas-" + suffix, 1);
    KAFKA.kafka().createTopic("model-snapshots-" + suffix, 1);
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    c.set(KafkaOptions.DELTAS_TOPIC, "model-deltas-" + suffix);
    c.set(KafkaOptions.SNAPSHOTS_TOPIC, "model-snapshots-" + suffix);
    c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("parts-" + suffix).toString());
    c.set(TrainerOptions.MAX_PARALLELISM, MAX_PARALLELISM);
    c.set(TrainerOptions.PARALLELISM, 2);
    c.set(TrainerOptions.MICRO_BATCH_SIZE, MICRO_BATCH);
    // The harness's clock does not move unless told: no window flush or publish by timer.
    c.set(TrainerOptions.GRADIENT_WINDOW, Duration.ofHours(1));
    if (snapshot != null) {
      c.set(TrainerOptions.INITIAL_SNAPSHOT, snapshot.toString());
    }
    ShardTesting.smallModelTop20(c);
    return c;
  }

  private static DareConfig modelConfig(Configuration c) {
    return ModelOptions.from(c, TrainerOptions.from(c)).config();
  }

  /**
   * A trained model written as {@code pretrain} writes it: rows with Adam slots past their first
   * steps, and rows far above the ids any test gradient touches.
   */
  private Path pretrained(DareConfig config) throws IOException {
    DareModel m = DareModel.create(config);
    m.trainBatch(TrainingSamples.random(300, 7, 1, 20, 11, 30));
    m.trainBatch(TrainingSamples.random(300, 8, 1, 20, 11, 30));
    Random r = new Random(3);
    m.exclusive(
        () -> {
          for (EmbeddingTable t : m.tables()) {
            for (long id = 1_000_000; id < 1_000_040; id++) {
              float[] row = new float[t.rowWidth()];
              for (int i = 0; i < row.length; i++) {
                row[i] = (float) r.nextGaussian();
              }
              t.writeRow(id, row);
            }
          }
        });
    return PretrainedModel.write(m, "dare", Files.createTempDirectory(tmp, "pretrained"), Map.of());
  }

  private KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> owner(
      Configuration c, int subtask, OperatorSubtaskState restore) throws Exception {
    TrainerOptions trainer = TrainerOptions.from(c);
    return ShardTesting.openOwner(
        new RowOwnerOperator(ModelOptions.from(c, trainer), trainer, KafkaOptions.from(c)),
        new RowRouting(MAX_PARALLELISM),
        MAX_PARALLELISM,
        2,
        subtask,
        restore == null
            ? null
            : AbstractStreamOperatorTestHarness.repartitionOperatorState(
                restore, MAX_PARALLELISM, 2, 2, subtask));
  }

  @Test
  void ownersTakeTheSnapshotRowsOfTheirKeyGroupsKeepThemInStateAndTrainOnFromThem()
      throws Exception {
    Configuration cold = config("owners", null);
    Path snapshot = pretrained(modelConfig(cold));
    Configuration c = config("owners", snapshot);
    RowRouting routing = new RowRouting(MAX_PARALLELISM);
    DareModel reference = PretrainedModel.load(snapshot, modelConfig(c));
    Map<String, Map<Long, List<Integer>>> snapshotRows = ShardTesting.rows(reference);
    assertThat(snapshotRows.get("repr.item")).hasSizeGreaterThan(100);

    List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> owners =
        List.of(owner(c, 0, null), owner(c, 1, null));
    // Each owner holds exactly the snapshot's rows of its own key groups, before any gradient.
    for (int i = 0; i < 2; i++) {
      KeyGroupRange groups =
          KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, 2, i);
      Map<String, Map<Long, List<Integer>>> own = ShardTesting.rows(ownerOf(owners.get(i)).model());
      for (Map.Entry<String, Map<Long, List<Integer>>> t : snapshotRows.entrySet()) {
        Map<Long, List<Integer>> expected = new TreeMap<>(t.getValue());
        expected.keySet().removeIf(id -> !groups.contains(routing.keyGroupOf(id)));
        assertThat(own.get(t.getKey())).as("owner %d, %s", i, t.getKey()).isEqualTo(expected);
      }
    }
    // The first barrier writes them into keyed state: the checkpoint holds the snapshot.
    checkpoint(owners, 1);
    assertThat(stored(owners)).as("keyed state after the first barrier").isEqualTo(snapshotRows);
    // Their snapshot parts hold the rows no gradient touched, bit for bit.
    for (var h : owners) {
      h.notifyOfCompletedCheckpoint(1);
      ownerOf(h).snapshotParts().awaitBackground();
    }
    Map<Long, float[]> parts = partRows(tmp.resolve("parts-owners"), 1, "repr.item");
    EmbeddingTable items = reference.table("repr.item");
    for (long id = 1_000_000; id < 1_000_040; id++) {
      float[] w = new float[items.dim()];
      items.copyWeights(id, w, 0);
      assertThat(parts.get(id)).as("row %d in the owners' parts", id).containsExactly(w);
    }

    // Gradients apply to the snapshot's rows and slots: as if the pretrained model had trained.
    train(owners, reference, routing, 1);
    OperatorSubtaskState trained = checkpoint(owners, 2);
    Map<String, Map<Long, List<Integer>>> trainedRows = stored(owners);
    assertThat(trainedRows).isEqualTo(ShardTesting.rows(reference)).isNotEqualTo(snapshotRows);
    for (var h : owners) {
      h.close();
    }

    // A restore keeps its state: the initial snapshot, still configured, is not loaded again.
    List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> restored =
        List.of(owner(c, 0, trained), owner(c, 1, trained));
    for (var h : restored) {
      for (EmbeddingTable t : ownerOf(h).model().tables()) {
        assertThat(t.size()).as("nothing loaded into memory on a restore").isZero();
      }
    }
    assertThat(stored(restored)).as("restored state").isEqualTo(trainedRows);
    for (var h : restored) {
      h.close();
    }
  }

  /**
   * A restore that holds no state of the stage (a job moving over from the single trainer, whose
   * savepoint restores the operators chained with the owner but none of its own) starts the owner
   * from the snapshot, as a fresh start does: Flink's {@code isRestored()} is true there.
   */
  @Test
  void anOwnerRestoredWithoutStateOfItsOwnStartsFromTheSnapshot() throws Exception {
    Configuration cold = config("owner-moved", null);
    Path snapshot = pretrained(modelConfig(cold));
    Configuration c = config("owner-moved", snapshot);
    TrainerOptions trainer = TrainerOptions.from(c);
    var h =
        ShardTesting.openOwner(
            new RowOwnerOperator(ModelOptions.from(c, trainer), trainer, KafkaOptions.from(c)),
            new RowRouting(MAX_PARALLELISM),
            MAX_PARALLELISM,
            1,
            0,
            OperatorSubtaskState.builder().build());
    try {
      assertThat(ShardTesting.rows(ownerOf(h).model()))
          .as("the snapshot's rows, all of them at parallelism 1")
          .isEqualTo(ShardTesting.rows(PretrainedModel.load(snapshot, modelConfig(c))));
    } finally {
      h.close();
    }
  }

  @Test
  void theAveragerPublishesTheSnapshotDenseModelAsVersionZeroUnlessRestored() throws Exception {
    Configuration cold = config("dense-cold", null);
    Path snapshot = pretrained(modelConfig(cold));
    DareModel pretrained = PretrainedModel.load(snapshot, modelConfig(cold));
    Configuration warm = config("dense-warm", snapshot);

    OperatorSubtaskState coldState;
    try (var h = averager(cold, null)) {
      coldState = h.snapshot(1, 1);
    }
    try (var h = averager(warm, null)) {
      h.snapshot(1, 1);
    }
    Map<String, float[]> warmZero = versionZero("model-deltas-dense-warm");
    for (DenseBlock b : pretrained.dense().blocks()) {
      assertThat(warmZero.get(b.name())).as(b.name()).containsExactly(b.values());
    }
    // Restored from the cold averager's checkpoint with the snapshot configured: state wins.
    KAFKA.kafka().createTopic("model-deltas-dense-restored", 1);
    Configuration restored = new Configuration(warm);
    restored.set(KafkaOptions.DELTAS_TOPIC, "model-deltas-dense-restored");
    try (var h = averager(restored, coldState)) {
      h.snapshot(2, 2);
    }
    Map<String, float[]> coldZero = versionZero("model-deltas-dense-cold");
    Map<String, float[]> restoredZero = versionZero("model-deltas-dense-restored");
    for (DenseBlock b : pretrained.dense().blocks()) {
      assertThat(restoredZero.get(b.name())).as(b.name()).containsExactly(coldZero.get(b.name()));
      assertThat(coldZero.get(b.name())).as(b.name()).isNotEqualTo(b.values());
    }
  }

  @Test
  void aTrainerReplicaIsTheSnapshotAndScoresWithItUnlessRestored() throws Exception {
    Configuration c = config("replica", null);
    Path snapshot = pretrained(modelConfig(c));
    c.set(TrainerOptions.INITIAL_SNAPSHOT, snapshot.toString());
    DareModel pretrained = PretrainedModel.load(snapshot, modelConfig(c));
    TrainerOptions trainer = TrainerOptions.from(c);
    ShardedTrainerOperator op =
        new ShardedTrainerOperator(ModelOptions.from(c, trainer), trainer, KafkaOptions.from(c));
    List<TrainingSample> batch = TrainingSamples.random(MICRO_BATCH, 9, 5, 20, 11, 4);
    OperatorSubtaskState state;
    try (var h =
        new KeyedOneInputStreamOperatorTestHarness<Long, TrainingSample, PrequentialScore>(
            op, new ShardedTrainingStage.SampleUser(), Types.LONG, MAX_PARALLELISM, 1, 0)) {
      h.open();
      assertThat(ShardTesting.rows(op.replica()))
          .as("rows with their slots")
          .isEqualTo(ShardTesting.rows(pretrained));
      for (DenseBlock b : pretrained.dense().blocks()) {
        assertThat(op.replica().dense().block(b.name()).values())
            .as(b.name())
            .containsExactly(b.values());
      }
      for (TrainingSample s : batch) {
        h.processElement(new StreamRecord<>(s, s.eventTimeMs()));
      }
      List<PrequentialScore> scores = h.extractOutputValues();
      assertThat(scores).hasSize(MICRO_BATCH);
      for (int i = 0; i < MICRO_BATCH; i++) {
        assertThat(scores.get(i).prediction)
            .as("sample %d scored by the pretrained model", i)
            .isCloseTo(pretrained.score(batch.get(i)), org.assertj.core.data.Offset.offset(1e-5f));
      }
      h.prepareSnapshotPreBarrier(1);
      state = h.snapshot(1, 1);
    }
    // A restored trainer rebuilds its replica from model-deltas (empty here), not from the
    // snapshot.
    ShardedTrainerOperator again =
        new ShardedTrainerOperator(ModelOptions.from(c, trainer), trainer, KafkaOptions.from(c));
    try (var h =
        new KeyedOneInputStreamOperatorTestHarness<Long, TrainingSample, PrequentialScore>(
            again, new ShardedTrainingStage.SampleUser(), Types.LONG, MAX_PARALLELISM, 1, 0)) {
      h.initializeState(state);
      h.open();
      for (EmbeddingTable t : again.replica().tables()) {
        assertThat(t.size()).as("restored replica's " + t.name()).isZero();
      }
    }
  }

  @Test
  void aSnapshotOfAnotherModelConfigOrACorruptOneIsRefusedAtStart() throws Exception {
    Configuration c = config("refused", null);
    Configuration other = new Configuration(c);
    other.set(ModelOptions.REPRESENTATION_DIM, 12);
    Path mismatched = pretrained(modelConfig(other));
    c.set(TrainerOptions.INITIAL_SNAPSHOT, mismatched.toString());
    assertThatThrownBy(() -> owner(c, 0, null))
        .hasStackTraceContaining("IllegalArgumentException")
        .hasStackTraceContaining("another model config than the job's");
    assertThatThrownBy(() -> averager(c, null))
        .hasStackTraceContaining("another model config than the job's");

    Configuration fits = config("refused-corrupt", null);
    Path corrupt = pretrained(modelConfig(fits));
    Path file;
    try (Stream<Path> files = Files.walk(corrupt.resolve("data"))) {
      file =
          files
              .filter(Files::isRegularFile)
              .max(java.util.Comparator.comparingLong(ShardedWarmStartITCase::size))
              .orElseThrow();
    }
    Files.write(file, new byte[] {42}, StandardOpenOption.APPEND);
    fits.set(TrainerOptions.INITIAL_SNAPSHOT, corrupt.toString());
    assertThatThrownBy(() -> owner(fits, 1, null))
        .hasStackTraceContaining(SnapshotRejectedException.class.getName());
  }

  // --- helpers ---

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private OneInputStreamOperatorTestHarness<DenseProgress, Void> averager(
      Configuration c, OperatorSubtaskState restore) throws Exception {
    TrainerOptions trainer = TrainerOptions.from(c);
    var h =
        new OneInputStreamOperatorTestHarness<DenseProgress, Void>(
            new DenseAverager(ModelOptions.from(c, trainer), trainer, KafkaOptions.from(c), 2));
    h.setup();
    if (restore == null) {
      h.initializeEmptyState();
    } else {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  /** The dense blocks the averager published as version 0. */
  private static Map<String, float[]> versionZero(String topic) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (var r : JobReplay.readAll(KAFKA.bootstrapServers(), topic)) {
      ModelDelta d = Codecs.MODEL_DELTA.decode(r.value());
      if (d.getVersion() == 0 && d.getTable().startsWith(ModelDeltas.DENSE_PREFIX)) {
        DenseBlock b = ModelDeltas.denseBlock(d);
        out.put(b.name(), b.values());
      }
    }
    assertThat(out).as("version 0 on " + topic).isNotEmpty();
    return out;
  }

  private static RowOwnerOperator ownerOf(
      KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void> h) {
    return (RowOwnerOperator) h.getOperator();
  }

  private static OperatorSubtaskState checkpoint(
      List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> owners, long id)
      throws Exception {
    OperatorSubtaskState[] states = new OperatorSubtaskState[owners.size()];
    for (int i = 0; i < owners.size(); i++) {
      owners.get(i).prepareSnapshotPreBarrier(id);
      states[i] = owners.get(i).snapshot(id, id);
    }
    return AbstractStreamOperatorTestHarness.repackageState(states);
  }

  /** Random gradients for ids 0..399 of every table, sent to their owners and to the reference. */
  private static void train(
      List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> owners,
      DareModel reference,
      RowRouting routing,
      long seed)
      throws Exception {
    Random r = new Random(seed);
    List<EmbeddingTable> tables = reference.tables();
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
        long[] ids = e.getValue().stream().mapToLong(Long::longValue).toArray();
        int[] contributions = new int[ids.length];
        java.util.Arrays.fill(contributions, 1);
        float[] sums = new float[ids.length * dim];
        for (int i = 0; i < sums.length; i++) {
          sums[i] = (float) r.nextGaussian() * 0.1f;
        }
        GradientBatch b = new GradientBatch(e.getKey(), t, ids, contributions, sums, 1000, -1, -1);
        int subtask =
            KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup(
                MAX_PARALLELISM, owners.size(), b.keyGroup());
        owners.get(subtask).processElement(new StreamRecord<>(b));
        EmbeddingTable table = tables.get(t);
        reference.exclusive(
            () -> table.applyGradients(b.ids(), null, b.sums(), b.contributions(), b.size(), 1000));
      }
    }
  }

  /** The rows in the owners' keyed state, as float bits, by table then id. */
  private static Map<String, Map<Long, List<Integer>>> stored(
      List<KeyedOneInputStreamOperatorTestHarness<Long, GradientBatch, Void>> owners)
      throws Exception {
    Map<String, Map<Long, List<Integer>>> out = new LinkedHashMap<>();
    for (var h : owners) {
      ownerOf(h)
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

  /** The rows of {@code table} in every owner's part of checkpoint {@code checkpoint}. */
  private static Map<Long, float[]> partRows(Path root, long checkpoint, String table)
      throws Exception {
    Map<Long, float[]> out = new TreeMap<>();
    List<Path> dirs;
    try (Stream<Path> all = Files.list(root)) {
      dirs =
          all.filter(d -> d.getFileName().toString().contains("-c" + checkpoint + "-w"))
              .filter(d -> !d.getFileName().toString().contains("-w0-"))
              .toList();
    }
    assertThat(dirs).as("both owners' parts of checkpoint " + checkpoint).hasSize(2);
    for (Path dir : dirs) {
      io.darestream.model.sync.SnapshotPartRows.read(
          io.darestream.state.snapshot.SnapshotPartReader.verify(dir)
              .directory()
              .resolve("data")
              .resolve("rows"),
          d -> {
            if (d.getTable().equals(table)) {
              for (var r : d.getRows()) {
                out.put(r.getId(), ModelDeltas.unpackRow(r.getValues(), d.getDim()));
              }
            }
          });
    }
    return out;
  }
}
