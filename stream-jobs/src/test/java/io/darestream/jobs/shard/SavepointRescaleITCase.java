package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.sequence.TrainingSampleSerializer;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.topology.Uids;
import io.darestream.jobs.train.PretrainedModel;
import io.darestream.jobs.train.TrainerStage;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.PartSetLoader;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import io.darestream.state.snapshot.SnapshotManifest;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.array.FloatPrimitiveArraySerializer;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource.NumberSequenceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 point 4 on the real job graph: the sharded stage runs in a MiniCluster at trainer
 * parallelism 2, is stopped with a savepoint, restarted from it at 4, stopped again and restarted
 * at 1. The owners' rows (weights and optimizer slots), read out of the savepoints with Flink's
 * State Processor API, are equal bit for bit right after each restore (a savepoint taken by the
 * restored job before it sees a sample), and training goes on after each: every sample is scored
 * once, the rows change, and every owner of the new parallelism publishes under a new epoch. The
 * dense averager's dense model is checked the same way: restored bit for bit, published as version
 * 0 of the restored run's epoch (what the trainers move to), and trained on from there.
 */
class SavepointRescaleITCase {
  private static final int MAX_PARALLELISM = 16;
  private static final int PER_PHASE = 600;
  private static final int SAMPLES = 3 * PER_PHASE;
  private static final long SEED = 5;
  private static final String DELTAS = "model-deltas-savepoint-rescale";
  private static final String SNAPSHOTS = "model-snapshots-savepoint-rescale";

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path tmp;

  /** This test's topics: each test has its own, so that one's deltas are not read by another. */
  private String deltas = DELTAS;

  private String snapshots = SNAPSHOTS;

  private Configuration config(int parallelism, String restoreFrom) {
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    c.set(KafkaOptions.DELTAS_TOPIC, deltas);
    c.set(KafkaOptions.SNAPSHOTS_TOPIC, snapshots);
    c.set(CheckpointOptions.DIR, tmp.resolve("checkpoints").toUri().toString());
    // A completed savepoint makes the owners and the averager write their snapshot parts.
    c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots").toString());
    // Only the savepoints the test takes: a periodic checkpoint would only slow them down.
    c.set(CheckpointOptions.INTERVAL, Duration.ofMinutes(10));
    c.set(TrainerOptions.PARALLELISM, parallelism);
    c.set(TrainerOptions.MAX_PARALLELISM, MAX_PARALLELISM);
    ShardTesting.fastStage(c);
    ShardTesting.smallModelTop20(c);
    if (restoreFrom != null) {
      c.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
    }
    return c;
  }

  /** Submits the job: a bounded source of {@link #SAMPLES} samples, gated, into the stage. */
  private static JobClient start(Configuration c) throws Exception {
    return start(c, false);
  }

  /** As above, into the single trainer operator with {@code singleTrainer}. */
  private static JobClient start(Configuration c, boolean singleTrainer) throws Exception {
    DareJobOptions options = DareJobOptions.from(c);
    ModelOptions model = ModelOptions.from(c, options.trainer());
    StreamExecutionEnvironment env = DareTrainJob.environment(c, options);
    DataStream<TrainingSample> source =
        env.fromSource(
                new DataGeneratorSource<>(
                    new Counted(), SAMPLES, new Released(), TrainingSampleSerializer.TYPE_INFO),
                WatermarkStrategy.noWatermarks(),
                "samples")
            .uid("samples")
            .setParallelism(1);
    (singleTrainer
            ? TrainerStage.trainer(source, options, model)
            : ShardedTrainingStage.attach(source, model, options.trainer(), options.kafka(), ""))
        .map(
            s -> {
              // the key of a sample: the source's users have one sample per event time
              SCORED.merge(s.userId + "@" + s.eventTimeMs, 1, Integer::sum);
              if (s.modelVersion == 1) {
                FIRST_BATCHES.put(s.userId + "@" + s.eventTimeMs, s.prediction);
              }
              return s.userId;
            })
        .returns(Types.LONG)
        .uid("scored")
        .sinkTo(new DiscardingSink<>())
        .uid("discard");
    Released.newJob();
    return env.executeAsync("savepoint-rescale-p" + options.trainer().parallelism());
  }

  /**
   * This test's own topics (the deltas and snapshots topics with {@code suffix}), nothing scored,
   * nothing released. The owners and the averager announce their parts on the snapshots topic;
   * without it each announcement waits for the topic's metadata, times out and fails the task while
   * it stops with a savepoint.
   */
  private void freshTopics(String suffix) {
    deltas = DELTAS + suffix;
    snapshots = SNAPSHOTS + suffix;
    KAFKA.kafka().createTopic(deltas, 1);
    KAFKA.kafka().createTopic(snapshots, 1);
    SCORED.clear();
    Released.reset();
  }

  /**
   * Releases one phase of samples, waits until {@code scored} are scored, stops with a savepoint.
   */
  private String trainPhaseAndStop(JobClient job, int scored) {
    Released.release(PER_PHASE);
    awaitScored(scored);
    return stop(job);
  }

  @Test
  @Timeout(300)
  void stoppedAtTwoRestartedAtFourThenAtOneKeepsEveryRowBitForBitAndTrainsOn() throws Exception {
    freshTopics("");

    String atTwo = trainPhaseAndStop(start(config(2, null)), PER_PHASE);
    Map<String, Map<Long, List<Integer>>> rowsAtTwo = ownerRows(atTwo);
    float[] init = flatDense(initialModel());
    float[] denseAtTwo = denseModel(atTwo);
    assertThat(denseAtTwo).as("the dense model trained at 2").isNotEqualTo(init);
    assertThat(rowsAtTwo.get("repr.item")).hasSizeGreaterThan(100);
    assertThat(rowsAtTwo.get("att.item")).hasSizeGreaterThan(100);

    JobClient four = start(config(4, atTwo));
    String restoredAtFour = savepointBeforeAnySample(four);
    assertThat(ownerRows(restoredAtFour))
        .as("restored at 4: the rows of the savepoint at 2")
        .isEqualTo(rowsAtTwo);
    assertThat(ShardTesting.bits(denseModel(restoredAtFour)))
        .as("restored at 4: the dense model of the savepoint at 2")
        .isEqualTo(ShardTesting.bits(denseAtTwo));
    String atFour = trainPhaseAndStop(four, 2 * PER_PHASE);
    Map<String, Map<Long, List<Integer>>> rowsAtFour = ownerRows(atFour);
    assertTrainedOn(rowsAtTwo, rowsAtFour);
    float[] denseAtFour = denseModel(atFour);
    assertThat(denseAtFour).as("the dense model trained on at 4").isNotEqualTo(denseAtTwo);

    JobClient one = start(config(1, atFour));
    String restoredAtOne = savepointBeforeAnySample(one);
    assertThat(ownerRows(restoredAtOne))
        .as("restored at 1: the rows of the savepoint at 4")
        .isEqualTo(rowsAtFour);
    assertThat(ShardTesting.bits(denseModel(restoredAtOne)))
        .as("restored at 1: the dense model of the savepoint at 4")
        .isEqualTo(ShardTesting.bits(denseAtFour));
    Released.release(PER_PHASE);
    one.getJobExecutionResult().get(); // the bounded source ends: the job finishes
    assertThat(SCORED).as("every sample scored").hasSize(SAMPLES);
    assertThat(SCORED.values()).as("each once, across two stops and restores").containsOnly(1);

    // Dense: each restored run publishes the dense model of the savepoint it restored as version 0
    // of its epoch (what its trainers move to) and trains on from it.
    TreeMap<Long, TreeMap<Long, float[]>> dense = publishedDense();
    assertThat(dense.keySet()).containsExactly(1L, 2L, 3L);
    assertThat(ShardTesting.bits(dense.get(2L).get(0L)))
        .as("epoch 2's version 0: the dense model of the savepoint at 2")
        .isEqualTo(ShardTesting.bits(denseAtTwo));
    assertThat(ShardTesting.bits(dense.get(3L).get(0L)))
        .as("epoch 3's version 0: the dense model of the savepoint at 4")
        .isEqualTo(ShardTesting.bits(denseAtFour));
    for (long e : List.of(2L, 3L)) {
      float[] last = dense.get(e).lastEntry().getValue();
      float[] restored = dense.get(e).get(0L);
      assertThat(last).as("epoch %d trained its dense model", e).isNotEqualTo(restored);
      assertThat(distance(last, restored))
          .as("epoch %d trained on from the restored dense model, not from the initial one", e)
          .isLessThan(distance(last, init));
    }

    // Each run published under a new epoch, every owner of its parallelism (writers 1..N); the
    // last run's rows are the ones it trained on from the restored ones.
    Map<Long, Set<Integer>> ownersPerEpoch = new TreeMap<>();
    Map<Long, Map<Long, float[]>> itemRowsPerEpoch = new HashMap<>();
    for (ModelDelta d : readDeltas()) {
      if (d.getTable().startsWith(ModelDeltas.DENSE_PREFIX)) {
        continue;
      }
      ownersPerEpoch.computeIfAbsent(d.getEpoch(), e -> new HashSet<>()).add(d.getWriter());
      if (d.getTable().equals("repr.item")) {
        d.getRows()
            .forEach(
                r ->
                    itemRowsPerEpoch
                        .computeIfAbsent(d.getEpoch(), e -> new HashMap<>())
                        .put(r.getId(), ModelDeltas.unpackRow(r.getValues(), d.getDim())));
      }
    }
    assertThat(ownersPerEpoch)
        .containsExactly(
            Map.entry(1L, Set.of(1, 2)),
            Map.entry(2L, Set.of(1, 2, 3, 4)),
            Map.entry(3L, Set.of(1)));
    // Published rows are weights, the first dim values of a stored row (then the optimizer slots).
    Map<Long, float[]> trainedAtOne = itemRowsPerEpoch.get(3L);
    assertThat(trainedAtOne).as("rows trained on at 1").isNotEmpty();
    long changedFromRestored =
        trainedAtOne.entrySet().stream()
            .filter(e -> rowsAtFour.get("repr.item").containsKey(e.getKey()))
            .filter(
                e ->
                    !ShardTesting.bits(e.getValue())
                        .equals(
                            rowsAtFour
                                .get("repr.item")
                                .get(e.getKey())
                                .subList(0, e.getValue().length)))
            .count();
    assertThat(changedFromRestored).as("restored rows trained on at 1").isGreaterThan(10);
  }

  /**
   * A job that ran the single trainer moves to the sharded stage (README, "Scale training"): it is
   * stopped with a savepoint, and restarted from it with the sharded stage at 2, unclaimed state
   * allowed (the single trainer's state has no operator to go to) and the single trainer's snapshot
   * of that savepoint as the initial snapshot. Every operator before the trainers keeps its state
   * (here the source's position: every sample is scored once across the move); the owners and the
   * averager hold the snapshot's model bit for bit before any sample (rows with their Adam slots,
   * the dense model); the stage publishes under the epoch after the snapshot's, so that serving
   * prefers it; and it trains on.
   */
  @Test
  @Timeout(300)
  void aSingleTrainerJobMovesToTheShardedStageWithItsModelAndItsStream() throws Exception {
    freshTopics("-from-single");

    Configuration singleConfig = config(1, null);
    singleConfig.set(TrainerOptions.SHARDED, false);
    String savepoint = trainPhaseAndStop(start(singleConfig, true), PER_PHASE);
    // The savepoint is the single job's only checkpoint, so its snapshot is the newest one.
    VerifiedSnapshot snapshot =
        SnapshotReader.findNewestValid(tmp.resolve("snapshots")).snapshot().orElseThrow();
    SnapshotManifest manifest = snapshot.manifest();
    DareModel trained =
        PretrainedModel.load(
            snapshot.directory(),
            ModelOptions.from(singleConfig, TrainerOptions.from(singleConfig)).config());
    Map<String, Map<Long, List<Integer>>> trainedRows = ShardTesting.rows(trained);
    assertThat(trainedRows.get("repr.item")).hasSizeGreaterThan(100);

    Configuration shardedConfig = config(2, savepoint);
    shardedConfig.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
    shardedConfig.set(TrainerOptions.INITIAL_SNAPSHOT, snapshot.directory().toString());
    JobClient two = start(shardedConfig);
    String restored = savepointBeforeAnySample(two);
    assertThat(ownerRows(restored))
        .as("the owners' rows: the single trainer's, with their slots")
        .isEqualTo(trainedRows);
    assertThat(ShardTesting.bits(denseModel(restored)))
        .as("the averager's dense model: the single trainer's")
        .isEqualTo(ShardTesting.bits(ShardedTrainerOperator.flatDense(trained)));
    Released.release(SAMPLES);
    two.getJobExecutionResult().get(); // the bounded source ends: the job finishes
    assertThat(SCORED).as("every sample scored").hasSize(SAMPLES);
    assertThat(SCORED.values()).as("each once, across the move").containsOnly(1);

    long stageEpoch = manifest.epoch() + 1;
    Set<Long> epochs = new TreeSet<>();
    Set<Integer> rowWriters = new TreeSet<>();
    boolean denseInStageEpoch = false;
    Map<Long, float[]> itemRows = new HashMap<>();
    for (ModelDelta d : readDeltas()) {
      epochs.add(d.getEpoch());
      if (d.getEpoch() != stageEpoch) {
        continue;
      }
      if (d.getTable().startsWith(ModelDeltas.DENSE_PREFIX)) {
        denseInStageEpoch = true;
        continue;
      }
      rowWriters.add(d.getWriter());
      if (d.getTable().equals("repr.item")) {
        d.getRows()
            .forEach(
                r -> itemRows.put(r.getId(), ModelDeltas.unpackRow(r.getValues(), d.getDim())));
      }
    }
    assertThat(epochs)
        .as("the single trainer's epoch, then the stage's: the one after it")
        .containsExactly(manifest.epoch(), stageEpoch);
    assertThat(rowWriters).as("both owners published rows").containsExactly(1, 2);
    assertThat(denseInStageEpoch).as("the averager published dense blocks").isTrue();
    long trainedOn =
        itemRows.entrySet().stream()
            .filter(e -> trainedRows.get("repr.item").containsKey(e.getKey()))
            .filter(
                e ->
                    !ShardTesting.bits(e.getValue())
                        .equals(
                            trainedRows
                                .get("repr.item")
                                .get(e.getKey())
                                .subList(0, e.getValue().length)))
            .count();
    assertThat(trainedOn).as("the single trainer's rows trained on by the stage").isGreaterThan(10);
  }

  /**
   * A restored trainer's replica is the snapshot set of the restored checkpoint, not what the
   * deltas topic still holds: the job runs at 2, is stopped with a savepoint (which writes its
   * set), the topic loses every record (as retention would delete them) and the job restarts from
   * the savepoint. Each trainer's first micro-batch after the restore, scored before it trains, is
   * scored by the savepoint's model; a replica rebuilt from the emptied topic would score it with
   * initial rows.
   */
  @Test
  @Timeout(300)
  void aRestoredReplicaIsTheCheckpointsSnapshotSetWhenTheTopicNoLongerHoldsTheRows()
      throws Exception {
    freshTopics("-retention");

    String savepoint = trainPhaseAndStop(start(config(2, null)), PER_PHASE);
    List<SnapshotPartReader.PartSet> sets =
        SnapshotPartReader.completeSetsNewestFirst(tmp.resolve("snapshots"));
    assertThat(sets).as("the savepoint's set").isNotEmpty();
    DareModel atSavepoint = PartSetLoader.load(SnapshotPartReader.verify(sets.get(0))).model();
    assertThat(atSavepoint.table("repr.item").size()).isGreaterThan(100);
    deleteEveryRecord(deltas);

    FIRST_BATCHES.clear();
    JobClient restored = start(config(2, savepoint));
    Released.release(PER_PHASE);
    awaitScored(2 * PER_PHASE);
    stop(restored);

    Map<String, TrainingSample> byKey = new HashMap<>();
    for (TrainingSample sample : ShardedTrainingITCase.samples(SAMPLES, SEED)) {
      byKey.put(sample.userId() + "@" + sample.eventTimeMs(), sample);
    }
    assertThat(FIRST_BATCHES).as("the restored trainers' first micro-batches").isNotEmpty();
    long bySavepointModel =
        FIRST_BATCHES.entrySet().stream()
            .filter(e -> Math.abs(e.getValue() - atSavepoint.score(byKey.get(e.getKey()))) < 1e-5f)
            .count();
    assertThat(bySavepointModel)
        .as("first-batch scores equal to the savepoint model's, of %d", FIRST_BATCHES.size())
        .isEqualTo(FIRST_BATCHES.size());
  }

  /** Deletes every record of {@code topic}'s partitions, as retention deletes old ones. */
  private static void deleteEveryRecord(String topic) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      TopicPartition p = new TopicPartition(topic, 0);
      long end =
          admin.listOffsets(Map.of(p, OffsetSpec.latest())).partitionResult(p).get().offset();
      admin.deleteRecords(Map.of(p, RecordsToDelete.beforeOffset(end))).all().get();
      assertThat(end).as("records published before the savepoint").isPositive();
    }
  }

  /** Rows are kept (none lost) and some changed: the restored job trained on its rows. */
  private static void assertTrainedOn(
      Map<String, Map<Long, List<Integer>>> before, Map<String, Map<Long, List<Integer>>> after) {
    assertThat(after.keySet()).isEqualTo(before.keySet());
    int changed = 0;
    for (Map.Entry<String, Map<Long, List<Integer>>> t : before.entrySet()) {
      assertThat(after.get(t.getKey()).keySet()).as(t.getKey()).containsAll(t.getValue().keySet());
      for (Map.Entry<Long, List<Integer>> row : t.getValue().entrySet()) {
        if (!after.get(t.getKey()).get(row.getKey()).equals(row.getValue())) {
          changed++;
        }
      }
    }
    assertThat(changed).as("rows trained on after the restore").isGreaterThan(100);
  }

  private static void awaitScored(int n) {
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> SCORED.values().stream().mapToInt(Integer::intValue).sum() >= n);
    assertThat(SCORED.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(n);
  }

  /**
   * Stops the job with a savepoint. Retried until every task runs: a task can still be initializing
   * (a row owner opening RocksDB on a loaded machine) after the samples went through the trainers,
   * and Flink then refuses the savepoint; a refused stop leaves the job running.
   */
  private String stop(JobClient job) {
    List<String> path = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .until(
            () -> {
              path.add(
                  job.stopWithSavepoint(false, savepoints(), SavepointFormatType.CANONICAL).get());
              return true;
            });
    return path.get(0);
  }

  /**
   * A savepoint of the restored job while its source is still held back, so the owners' state in it
   * is exactly what they restored. Retried until every task runs (a savepoint needs them all).
   */
  private String savepointBeforeAnySample(JobClient job) {
    List<String> path = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .until(
            () -> {
              if (job.getJobStatus().get() != JobStatus.RUNNING) {
                return false;
              }
              path.add(job.triggerSavepoint(savepoints(), SavepointFormatType.CANONICAL).get());
              return true;
            });
    assertThat(Released.next())
        .as("no sample emitted since the restore")
        .isEqualTo(Released.granted());
    return path.get(0);
  }

  private String savepoints() {
    return tmp.resolve("savepoints").toUri().toString();
  }

  /** The owners' rows in a savepoint, by table then id, as float bits (weights and slots). */
  private Map<String, Map<Long, List<Integer>>> ownerRows(String savepoint) throws Exception {
    List<String> tables =
        DareModel.create(
                ModelOptions.from(config(1, null), TrainerOptions.from(config(1, null))).config())
            .tables()
            .stream()
            .map(EmbeddingTable::name)
            .toList();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    DataStream<Tuple3<String, Long, float[]>> rows =
        SavepointReader.read(env, savepoint)
            .readKeyedState(
                OperatorIdentifier.forUid(Uids.ROW_OWNER),
                new OwnerRows(tables),
                Types.LONG,
                Types.TUPLE(Types.STRING, Types.LONG, Types.PRIMITIVE_ARRAY(Types.FLOAT)));
    Map<String, Map<Long, List<Integer>>> out = new TreeMap<>();
    try (CloseableIterator<Tuple3<String, Long, float[]>> it = rows.executeAndCollect()) {
      it.forEachRemaining(
          r ->
              assertThat(
                      out.computeIfAbsent(r.f0, t -> new TreeMap<>())
                          .put(r.f1, ShardTesting.bits(r.f2)))
                  .as("one value per row")
                  .isNull());
    }
    return out;
  }

  private DareModel initialModel() {
    return DareModel.create(
        ModelOptions.from(config(1, null), TrainerOptions.from(config(1, null))).config());
  }

  /** The model's dense blocks concatenated in its block order. */
  private static float[] flatDense(DareModel model) {
    List<float[]> blocks = new ArrayList<>();
    for (String name : model.dense().names()) {
      blocks.add(model.dense().block(name).values());
    }
    return concat(blocks);
  }

  private static float[] concat(List<float[]> blocks) {
    int n = blocks.stream().mapToInt(b -> b.length).sum();
    float[] flat = new float[n];
    int o = 0;
    for (float[] b : blocks) {
      System.arraycopy(b, 0, flat, o, b.length);
      o += b.length;
    }
    return flat;
  }

  /** Euclidean distance. */
  private static double distance(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      sum += d * d;
    }
    return Math.sqrt(sum);
  }

  /** Every complete set of dense blocks published, by epoch then version, flat in block order. */
  private TreeMap<Long, TreeMap<Long, float[]>> publishedDense() {
    List<String> names = initialModel().dense().names();
    Map<List<Long>, Map<String, float[]>> blocks = new HashMap<>();
    for (ModelDelta d : readDeltas()) {
      if (d.getTable().startsWith(ModelDeltas.DENSE_PREFIX)) {
        var b = ModelDeltas.denseBlock(d);
        blocks
            .computeIfAbsent(List.of(d.getEpoch(), d.getVersion()), k -> new HashMap<>())
            .put(b.name(), b.values());
      }
    }
    TreeMap<Long, TreeMap<Long, float[]>> out = new TreeMap<>();
    blocks.forEach(
        (k, v) -> {
          assertThat(v.keySet())
              .as("dense blocks of %s", k)
              .containsExactlyInAnyOrderElementsOf(names);
          out.computeIfAbsent(k.get(0), e -> new TreeMap<>())
              .put(k.get(1), concat(names.stream().map(v::get).toList()));
        });
    return out;
  }

  /** The dense averager's dense model in a savepoint (its operator state). */
  private static float[] denseModel(String savepoint) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    List<float[]> values = new ArrayList<>();
    try (CloseableIterator<float[]> it =
        SavepointReader.read(env, savepoint)
            .readListState(
                OperatorIdentifier.forUid(Uids.DENSE_AVERAGER),
                DenseAverager.DENSE_STATE.getName(),
                PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO)
            .executeAndCollect()) {
      it.forEachRemaining(values::add);
    }
    assertThat(values).as("one dense model in " + savepoint).hasSize(1);
    return values.get(0);
  }

  private List<ModelDelta> readDeltas() {
    return JobReplay.readAll(KAFKA.bootstrapServers(), deltas).stream()
        .map(r -> Codecs.MODEL_DELTA.decode(r.value()))
        .toList();
  }

  /** Scores seen, by sample, across the three runs (the MiniCluster runs in this JVM). */
  private static final Map<String, Integer> SCORED = new ConcurrentHashMap<>();

  /** The predictions of each trainer's first micro-batch (made before it trained), by sample. */
  private static final Map<String, Float> FIRST_BATCHES = new ConcurrentHashMap<>();

  /** Reads every table's row state of the owners' key groups, as the owner writes it. */
  static final class OwnerRows
      extends KeyedStateReaderFunction<Long, Tuple3<String, Long, float[]>> {
    private static final long serialVersionUID = 1L;
    private final List<String> tables;
    private transient List<ValueState<float[]>> states;

    OwnerRows(List<String> tables) {
      this.tables = tables;
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext context) {
      states = new ArrayList<>();
      for (String t : tables) {
        states.add(
            getRuntimeContext()
                .getState(
                    new ValueStateDescriptor<>(
                        RowOwnerOperator.stateName(t), FloatPrimitiveArraySerializer.INSTANCE)));
      }
    }

    @Override
    public void readKey(Long id, Context ctx, Collector<Tuple3<String, Long, float[]>> out)
        throws Exception {
      for (int t = 0; t < tables.size(); t++) {
        float[] row = states.get(t).value();
        if (row != null) {
          out.collect(Tuple3.of(tables.get(t), id, Arrays.copyOf(row, row.length)));
        }
      }
    }
  }

  /**
   * Lets the source emit only the samples the test released, without blocking its task (the
   * limiter's future completes later), so that savepoints are taken while it waits. It knows the
   * next sample index from {@link Counted}, so a request that emits nothing (no split yet) does not
   * use up a release; the index survives restores because the source's position does.
   */
  static final class Released implements RateLimiterStrategy<NumberSequenceSplit> {
    private static final long serialVersionUID = 1L;
    private static long granted;
    private static long next;
    private static final List<CompletableFuture<Void>> WAITING = new ArrayList<>();

    static synchronized void reset() {
      granted = 0;
      next = 0;
      WAITING.clear();
    }

    /** A stopped job's waiting request must not be the one a release lets through. */
    static synchronized void newJob() {
      WAITING.clear();
    }

    static synchronized void release(long n) {
      granted += n;
      WAITING.forEach(f -> f.complete(null));
      WAITING.clear();
    }

    static synchronized void emitted(long index) {
      next = index + 1;
    }

    static synchronized long granted() {
      return granted;
    }

    static synchronized long next() {
      return next;
    }

    private static synchronized CompletionStage<Void> acquire(int permits) {
      if (permits != 1) {
        throw new IllegalStateException("one permit per record expected, asked for " + permits);
      }
      // Past the last sample the source must poll once more to see the end of its input.
      if (next < granted || next >= SAMPLES) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      WAITING.add(f);
      return f;
    }

    @Override
    public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
      return Released::acquire;
    }
  }

  /** {@link ShardedTrainingITCase.SampleAt}, telling {@link Released} which index it emitted. */
  static final class Counted implements GeneratorFunction<Long, TrainingSample> {
    private static final long serialVersionUID = 1L;
    private final ShardedTrainingITCase.SampleAt samples =
        new ShardedTrainingITCase.SampleAt(SAMPLES, SEED);

    @Override
    public TrainingSample map(Long index) throws Exception {
      Released.emitted(index);
      return samples.map(index);
    }
  }
}
