package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.sequence.TrainingSampleSerializer;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.TrainingSamples;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.jobs.train.PretrainedModel;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.SparseOptimizerKind;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.SnapshotPartRows;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import io.darestream.state.snapshot.SnapshotPartReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sharded training stage in a MiniCluster at trainer parallelism 2, with the embedded broker:
 * every sample is trained (scored) exactly once, and a reader of {@code model-deltas} (serving's
 * recipe) gets the owners' rows and the averaged dense blocks; and the counting check of
 * exactly-once: with the {@link SparseOptimizerKind#COUNT} optimizer and a failure injected
 * mid-stream after a checkpoint with samples in it, every row's final count equals the number of
 * samples whose gradient touched it; and a warm start from an initial snapshot at parallelism 2.
 */
class ShardedTrainingITCase {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path tmp;

  private Configuration config(String suffix, int parallelism) {
    KAFKA.kafka().createTopic("model-deltas-" + suffix, 1);
    // The owners and the averager announce their snapshot parts there.
    KAFKA.kafka().createTopic("model-snapshots-" + suffix, 1);
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    c.set(KafkaOptions.DELTAS_TOPIC, "model-deltas-" + suffix);
    c.set(KafkaOptions.SNAPSHOTS_TOPIC, "model-snapshots-" + suffix);
    c.set(CheckpointOptions.DIR, tmp.resolve("checkpoints").toUri().toString());
    c.set(CheckpointOptions.INTERVAL, Duration.ofMillis(100));
    c.set(TrainerOptions.PARALLELISM, parallelism);
    c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots-" + suffix).toString());
    c.set(TrainerOptions.MAX_PARALLELISM, 16);
    ShardTesting.fastStage(c);
    ShardTesting.smallModelTop20(c);
    return c;
  }

  /** Histories of at most 20 behaviours: with K = 20 the search keeps them all. */
  static List<TrainingSample> samples(int n, long seed) {
    return TrainingSamples.random(n, seed, 0, 20, 11, 40);
  }

  private static List<PrequentialScore> run(
      Configuration c,
      int n,
      long seed,
      int perSecond,
      MapFunction<TrainingSample, TrainingSample> tap)
      throws Exception {
    DareJobOptions options = DareJobOptions.from(c);
    ModelOptions model = ModelOptions.from(c, options.trainer());
    StreamExecutionEnvironment env = DareTrainJob.environment(c, options);
    // Rate-limited, so that checkpoints complete while the stream runs (the failure test needs
    // one with samples in it before its failure).
    DataStream<TrainingSample> source =
        env.fromSource(
                new DataGeneratorSource<>(
                    new SampleAt(n, seed),
                    n,
                    RateLimiterStrategy.perSecond(perSecond),
                    TrainingSampleSerializer.TYPE_INFO),
                WatermarkStrategy.noWatermarks(),
                "samples")
            .setParallelism(1)
            .map(tap)
            .returns(TrainingSampleSerializer.TYPE_INFO)
            .uid("tap")
            .setParallelism(1);
    List<PrequentialScore> out = new ArrayList<>();
    try (CloseableIterator<PrequentialScore> it =
        ShardedTrainingStage.attach(source, model, options.trainer(), options.kafka(), "")
            .executeAndCollect("sharded-training")) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  @Timeout(120)
  void twoTrainersTrainEverySampleOnceAndTheOwnersPublishTheModel() throws Exception {
    Configuration c = config("p2", 2);
    List<TrainingSample> samples = samples(3000, 1);
    List<PrequentialScore> scores = run(c, samples.size(), 1, 3000, s -> s);

    assertThat(scores).hasSize(samples.size());
    Set<String> seen = new HashSet<>();
    scores.forEach(s -> seen.add(s.userId + "@" + s.eventTimeMs));
    assertThat(seen).as("every sample scored once").hasSize(samples.size());
    assertThat(scores).allSatisfy(s -> assertThat(s.prediction).isBetween(0f, 1f));

    // Serving's recipe: apply the deltas to a fresh model. It holds a row for every item that a
    // sample had, and the dense blocks the averager published.
    List<ModelDelta> deltas = readDeltas("model-deltas-p2");
    DareModel served = DareModel.create(ModelOptions.from(c, TrainerOptions.from(c)).config());
    Set<String> denseTables = new HashSet<>();
    // Serving orders versions per (table, writer): each owner must stamp its own writer id and
    // keep its versions increasing in the partition's order, the dense averager is writer 0.
    Map<String, Long> newestPerWriter = new HashMap<>();
    Set<Integer> ownerWriters = new HashSet<>();
    for (ModelDelta d : deltas) {
      assertThat(d.getEpoch()).isEqualTo(1);
      ModelDeltas.apply(served, d);
      if (d.getTable().startsWith(ModelDeltas.DENSE_PREFIX)) {
        denseTables.add(d.getTable());
        assertThat(d.getWriter()).as("dense writer").isZero();
      } else {
        assertThat(d.getWriter()).as("owner writer").isBetween(1, 2);
        ownerWriters.add(d.getWriter());
      }
      Long before = newestPerWriter.put(d.getTable() + "/" + d.getWriter(), d.getVersion());
      if (before != null) {
        assertThat(d.getVersion())
            .as(d.getTable() + " by " + d.getWriter())
            .isGreaterThanOrEqualTo(before);
      }
    }
    assertThat(ownerWriters).as("both owners published").containsExactlyInAnyOrder(1, 2);
    assertThat(denseTables).hasSize(served.dense().names().size());
    Set<Long> items = new HashSet<>();
    samples.forEach(
        s -> {
          items.add(s.targetItem());
          for (long i : s.historyItems()) {
            items.add(i);
          }
        });
    for (long item : items) {
      assertThat(served.table("repr.item").contains(item)).as("repr.item " + item).isTrue();
    }
    for (TrainingSample probe : samples(20, 2)) {
      assertThat(served.score(probe)).isBetween(0f, 1f);
    }
  }

  @Test
  @Timeout(120)
  void aWarmStartAtTwoTrainersBeginsFromTheSnapshotAndTrainsOn() throws Exception {
    Configuration c = config("warm", 2);
    DareConfig modelConfig = ModelOptions.from(c, TrainerOptions.from(c)).config();
    DareModel pretrained = DareModel.create(modelConfig);
    pretrained.trainBatch(samples(1000, 5));
    // Rows above every id the online samples have: no gradient ever touches them.
    EmbeddingTable items = pretrained.table("repr.item");
    pretrained.exclusive(
        () -> {
          for (long id = 1_000_000; id < 1_000_020; id++) {
            float[] row = new float[items.rowWidth()];
            java.util.Arrays.fill(row, id * 1e-7f);
            items.writeRow(id, row);
          }
        });
    Path snapshot = PretrainedModel.write(pretrained, "dare", tmp.resolve("pretrained"), Map.of());
    c.set(TrainerOptions.INITIAL_SNAPSHOT, snapshot.toString());

    List<PrequentialScore> scores = run(c, 1500, 6, 3000, s -> s);
    assertThat(scores).hasSize(1500);

    // The averager's version 0 is the snapshot's dense model; later versions trained on.
    Map<String, float[]> first = new HashMap<>();
    boolean trainedOn = false;
    for (ModelDelta d : readDeltas("model-deltas-warm")) {
      if (!d.getTable().startsWith(ModelDeltas.DENSE_PREFIX)) {
        continue;
      }
      DenseBlock b = ModelDeltas.denseBlock(d);
      if (d.getVersion() == 0) {
        first.putIfAbsent(b.name(), b.values());
      } else if (!Arrays.equals(b.values(), pretrained.dense().block(b.name()).values())) {
        trainedOn = true;
      }
    }
    for (String name : pretrained.dense().names()) {
      assertThat(first.get(name))
          .as("version 0 of " + name)
          .containsExactly(pretrained.dense().block(name).values());
    }
    assertThat(trainedOn).as("the dense model trained on").isTrue();

    // Serving's snapshot, from the owners' parts: the untouched rows are the snapshot's, bit for
    // bit; the trained ones moved away from it.
    SnapshotPartReader.PartSet set =
        SnapshotPartReader.completeSetsNewestFirst(tmp.resolve("snapshots-warm")).get(0);
    Map<Long, float[]> served = new HashMap<>();
    for (SnapshotPartReader.VerifiedPart part : SnapshotPartReader.verify(set)) {
      Path rows = part.directory().resolve("data").resolve("rows");
      if (Files.exists(rows)) {
        SnapshotPartRows.read(
            rows,
            d -> {
              if (d.getTable().equals("repr.item")) {
                for (DeltaRow r : d.getRows()) {
                  served.put(r.getId(), ModelDeltas.unpackRow(r.getValues(), d.getDim()));
                }
              }
            });
      }
    }
    for (long id = 1_000_000; id < 1_000_020; id++) {
      float[] w = new float[items.dim()];
      items.copyWeights(id, w, 0);
      assertThat(served.get(id)).as("untouched row " + id).containsExactly(w);
    }
    long target = samples(1500, 6).get(0).targetItem();
    float[] before = new float[items.dim()];
    items.copyWeights(target, before, 0);
    assertThat(served.get(target)).as("trained row " + target).isNotEqualTo(before);
  }

  @Test
  @Timeout(150)
  void afterAFailureEveryRowCountsEachSampleThatTouchedItExactlyOnce() throws Exception {
    Configuration c = config("count", 2);
    c.set(ModelOptions.SPARSE_OPTIMIZER, SparseOptimizerKind.COUNT);
    c.set(TrainerOptions.MICRO_BATCH_SIZE, 1); // one contribution per sample and row
    c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
    c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    List<TrainingSample> samples = samples(6000, 3);
    FailOnce.reset();
    // 6 s of stream at 1,000/s, and the failure may come after any checkpoint completed with 500
    // samples or more in it: 5.5 s for one to complete (the owners write snapshot parts at each,
    // which slows checkpoints on a loaded machine; at 1,500/s and 1,500 samples CI saw none).
    List<PrequentialScore> scores = run(c, samples.size(), 3, 1000, new FailOnce(500));
    assertThat(FailOnce.FAILED).as("the injected failure happened").isTrue();
    assertThat(FailOnce.CHECKPOINTED_BEFORE_FAILURE.get())
        .as("a checkpoint with samples completed before the failure")
        .isTrue();
    assertThat(scores).hasSize(samples.size());

    // Expected: per representation table, the samples whose gradient touched each row (with every
    // behaviour in the top K, those are the target's and every behaviour's rows).
    Map<String, Map<Long, Integer>> expected = new HashMap<>();
    for (TrainingSample s : samples) {
      Set<Long> itemRows = new HashSet<>();
      Set<Long> catRows = new HashSet<>();
      Set<Long> posRows = new HashSet<>();
      itemRows.add(s.targetItem());
      catRows.add(s.targetCategory());
      posRows.add(0L);
      for (int i = 0; i < s.historyItems().length; i++) {
        itemRows.add(s.historyItems()[i]);
        catRows.add(s.historyCategories()[i]);
        posRows.add((long) i + 1);
      }
      count(expected, "repr.item", itemRows);
      count(expected, "repr.category", catRows);
      count(expected, "repr.position", posRows);
    }

    // Actual: the last published value of every row (rows are full values, in topic order).
    Map<String, Map<Long, Float>> counted = new HashMap<>();
    Set<Long> epochs = new HashSet<>();
    for (ModelDelta d : readDeltas("model-deltas-count")) {
      epochs.add(d.getEpoch());
      if (!expected.containsKey(d.getTable())) {
        continue;
      }
      for (DeltaRow row : d.getRows()) {
        float[] w = ModelDeltas.unpackRow(row.getValues(), d.getDim());
        counted.computeIfAbsent(d.getTable(), t -> new HashMap<>()).put(row.getId(), w[0]);
      }
    }
    assertThat(epochs).as("the restart published under a new epoch").contains(1L, 3L);
    for (Map.Entry<String, Map<Long, Integer>> table : expected.entrySet()) {
      Map<Long, Float> got = counted.get(table.getKey());
      assertThat(got).as(table.getKey()).isNotNull();
      assertThat(got.keySet()).as(table.getKey()).isEqualTo(table.getValue().keySet());
      table
          .getValue()
          .forEach(
              (id, n) ->
                  assertThat(got.get(id)).as(table.getKey() + " row " + id).isEqualTo((float) n));
    }
  }

  /** Sample {@code i} of {@link #samples(int, long)}, regenerated from the seed in each task. */
  static final class SampleAt implements GeneratorFunction<Long, TrainingSample> {
    private static final long serialVersionUID = 1L;
    private final int n;
    private final long seed;
    private transient List<TrainingSample> samples;

    SampleAt(int n, long seed) {
      this.n = n;
      this.seed = seed;
    }

    @Override
    public TrainingSample map(Long index) {
      if (samples == null) {
        samples = samples(n, seed);
      }
      return samples.get(index.intValue());
    }
  }

  private static void count(Map<String, Map<Long, Integer>> m, String table, Set<Long> rows) {
    Map<Long, Integer> t = m.computeIfAbsent(table, k -> new HashMap<>());
    rows.forEach(id -> t.merge(id, 1, Integer::sum));
  }

  private static List<ModelDelta> readDeltas(String topic) {
    return JobReplay.readAll(KAFKA.bootstrapServers(), topic).stream()
        .map(r -> Codecs.MODEL_DELTA.decode(r.value()))
        .toList();
  }

  /**
   * Passes samples through and throws once, JVM-wide, at the first sample after a checkpoint that
   * held at least {@code minSamples} of them completed, so that the restore has training to restore
   * and replay to do. The restarted job runs through (the flag stays).
   */
  static final class FailOnce
      implements MapFunction<TrainingSample, TrainingSample>,
          CheckpointedFunction,
          CheckpointListener {
    private static final long serialVersionUID = 1L;
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicBoolean CHECKPOINTED_BEFORE_FAILURE = new AtomicBoolean();
    private static final AtomicLong SEEN = new AtomicLong();
    private static final Map<Long, Long> SEEN_AT_CHECKPOINT = new ConcurrentHashMap<>();
    private static final AtomicBoolean COMPLETED_WITH_DATA = new AtomicBoolean();

    private final long minSamples;

    FailOnce(long minSamples) {
      this.minSamples = minSamples;
    }

    static void reset() {
      FAILED.set(false);
      CHECKPOINTED_BEFORE_FAILURE.set(false);
      COMPLETED_WITH_DATA.set(false);
      SEEN_AT_CHECKPOINT.clear();
      SEEN.set(0);
    }

    @Override
    public TrainingSample map(TrainingSample sample) {
      SEEN.incrementAndGet();
      if (COMPLETED_WITH_DATA.get() && FAILED.compareAndSet(false, true)) {
        CHECKPOINTED_BEFORE_FAILURE.set(true);
        throw new IllegalStateException("injected failure after " + SEEN.get() + " samples");
      }
      return sample;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
      SEEN_AT_CHECKPOINT.put(context.getCheckpointId(), SEEN.get());
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (SEEN_AT_CHECKPOINT.getOrDefault(checkpointId, 0L) >= minSamples) {
        COMPLETED_WITH_DATA.set(true);
      }
    }
  }
}
