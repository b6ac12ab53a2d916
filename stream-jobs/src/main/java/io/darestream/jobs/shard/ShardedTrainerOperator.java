package io.darestream.jobs.shard;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.jobs.train.TrainingProbe;
import io.darestream.model.BatchResult;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.metrics.StreamingMetrics;
import io.darestream.model.sync.PartSetLoader;
import io.darestream.model.train.GradientWindow;
import io.darestream.model.train.RowGradients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * A trainer of the sharded stage (one of N; each gets the samples of a disjoint set of users): it
 * scores every sample with its replica before training on it (prequential scores are its output),
 * computes the gradients of each micro-batch against the replica, trains its own dense copy with
 * its own Adam, and sums the row gradients in a {@link GradientWindow} that goes to the row owners
 * ({@link #GRADIENTS}, grouped by key group) every gradient window, when full, and before every
 * checkpoint barrier, so that a checkpoint holds every contribution of the samples before it
 * exactly once (owners' state) and none of those after it.
 *
 * <p>The owners are the only writers of the model's rows: they apply the optimizer and publish the
 * rows, and the {@link ReplicaFeed} brings them back through {@code model-deltas}. The trainer also
 * applies its own row gradients to its replica right away (with the replica's own optimizer slots),
 * so that its next micro-batch sees them as the single trainer's would, not a gradient window plus
 * a publish interval later; that copy is speculative and derived: the owners' rows (every trainer's
 * contributions) overwrite it as they arrive, and nothing of it is published or checkpointed. At N
 * = 1 this keeps the single trainer's prequential quality. Dense: every dense-average interval, and
 * before every checkpoint barrier, it sends what its training moved its dense copy since the
 * previous send ({@link #DENSE}, a {@link DenseProgress}); the averager folds every trainer's
 * progress into the one dense model G, which it checkpoints, and publishes G round by round. When G
 * of a round comes back, the trainer moves to {@code G + (own - copy at that round)}: the others'
 * progress is adopted, its own since the copy is kept ({@link SentDenseCopies}). Version 0 of an
 * epoch is G as the averager opened with it (the restored dense model after a restore), so a
 * trainer, which opens with the initial values, moves to it.
 *
 * <p>Holds no model state in Flink: the replica is derived data, rebuilt from the topic after a
 * restore; the epoch is kept so that every restart is told apart.
 */
public final class ShardedTrainerOperator extends AbstractStreamOperator<PrequentialScore>
    implements OneInputStreamOperator<TrainingSample, PrequentialScore> {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ShardedTrainerOperator.class);

  /** Coalesced row gradients for the owners. */
  public static final OutputTag<GradientBatch> GRADIENTS =
      new OutputTag<>("row-gradients", GradientBatch.TYPE_INFO);

  /** Dense progress for the averager. */
  public static final OutputTag<DenseProgress> DENSE =
      new OutputTag<>("dense-progress", DenseProgress.TYPE_INFO);

  static final int METRICS_WINDOW = 10_000;

  /** Sent dense copies kept until G of their round comes back. */
  private static final int MAX_PENDING_COPIES = 64;

  private final ModelOptions modelOptions;
  private final TrainerOptions trainerOptions;
  private final KafkaOptions kafkaOptions;
  private final RowRouting routing;
  private final TrainingProbe probe;

  private transient AttemptEpoch epoch;
  private transient DareModel replica;
  private transient boolean restored;
  private transient OptionalLong restoredCheckpointId;
  private transient ReplicaFeed feed;
  private transient GradientWindow window;
  private transient long windowNumber;
  private transient OwnWriteLedger ownWrites;
  private transient java.util.Map<EmbeddingTable, Integer> tableIndex;
  private transient int owners;
  private transient List<TrainingSample> pending;
  private transient StreamingMetrics metrics;
  private transient SentDenseCopies sentCopies;
  private transient boolean batchTimerPending;
  private transient long denseAveragesMerged;
  private transient long denseAveragesTaken;
  private transient long samplesTrained;
  private transient long steps;
  private transient Counter samplesCounter;
  private transient Counter gradientRowsSent;
  private transient Counter gradientRecordsSent;

  public ShardedTrainerOperator(
      ModelOptions modelOptions, TrainerOptions trainerOptions, KafkaOptions kafkaOptions) {
    this(modelOptions, trainerOptions, kafkaOptions, TrainingProbe.NONE);
  }

  /** As above, with {@code probe} shown every micro-batch and the replica before it trains. */
  public ShardedTrainerOperator(
      ModelOptions modelOptions,
      TrainerOptions trainerOptions,
      KafkaOptions kafkaOptions,
      TrainingProbe probe) {
    this.modelOptions = modelOptions;
    this.trainerOptions = trainerOptions;
    this.kafkaOptions = kafkaOptions;
    this.routing = new RowRouting(trainerOptions.maxParallelism());
    this.probe = Objects.requireNonNull(probe, "probe");
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    epoch =
        AttemptEpoch.begin(
            context,
            "sharded-trainer-epoch",
            getRuntimeContext().getTaskInfo().getAttemptNumber(),
            () -> AttemptEpoch.freshStartFloor(trainerOptions));
    // A restore of a job without this stage (the single trainer's savepoint) starts it fresh.
    restored = epoch.stageStateRestored();
    restoredCheckpointId = context.getRestoredCheckpointId();
  }

  @Override
  public void open() throws Exception {
    super.open();
    // A warm start scores with the initial snapshot from the first sample on; a restore with the
    // snapshot set of its checkpoint (RestoredReplica), or, without one, a replica rebuilt from
    // model-deltas.
    boolean fromSnapshot = !restored && trainerOptions.initialSnapshot().isPresent();
    Optional<PartSetLoader.LoadedSet> restoredSet =
        restored && restoredCheckpointId.isPresent()
            ? RestoredReplica.load(
                java.nio.file.Path.of(trainerOptions.snapshotDir()),
                restoredCheckpointId.getAsLong(),
                epoch.restoredEpoch(),
                modelOptions.config())
            : Optional.empty();
    replica =
        fromSnapshot
            ? InitialSnapshot.replica(
                java.nio.file.Path.of(trainerOptions.initialSnapshot().get()),
                modelOptions.config())
            : restoredSet
                .map(PartSetLoader.LoadedSet::model)
                .orElseGet(() -> DareModel.create(modelOptions.config()));
    window =
        new GradientWindow(
            replica.tables(),
            trainerOptions.gradientWindowRows(),
            trainerOptions.coalesceRowGradients());
    windowNumber = 1;
    owners = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    List<EmbeddingTable> tables = replica.tables();
    int[] dims = new int[tables.size()];
    tableIndex = new java.util.IdentityHashMap<>();
    for (int t = 0; t < dims.length; t++) {
      dims[t] = tables.get(t).dim();
      tableIndex.put(tables.get(t), t);
    }
    ownWrites = new OwnWriteLedger(dims, owners);
    pending = new ArrayList<>(trainerOptions.microBatchSize());
    metrics = new StreamingMetrics(METRICS_WINDOW);
    int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    feed =
        new ReplicaFeed(
            kafkaOptions.bootstrapServers(),
            kafkaOptions.deltasTopic(),
            modelOptions.modelId(),
            replica,
            "dare-replica-feed-" + modelOptions.modelId() + "-" + subtask,
            epoch.epoch(),
            subtask,
            ownWrites,
            fromSnapshot || restoredSet.isPresent(),
            restoredSet
                .map(set -> RestoredReplica.startOffsets(set, kafkaOptions.deltasTopic()))
                .orElse(Map.of()));
    restoredSet.ifPresent(
        set ->
            LOG.info(
                "Trainer {}: replica from the snapshot set of the restored checkpoint {} ({} rows),"
                    + " model-deltas from {}",
                subtask,
                set.checkpointId(),
                set.rows(),
                set.deltaOffsets()));
    feed.start();
    // Round 0: what this trainer starts from; version 0 of G moves it to the averager's dense
    // model.
    sentCopies = new SentDenseCopies(MAX_PENDING_COPIES, flatDense());
    registerMetrics();
    scheduleWindowFlush();
    scheduleDenseProgress();
  }

  @Override
  public void processElement(StreamRecord<TrainingSample> element) throws Exception {
    pending.add(element.getValue());
    if (pending.size() >= trainerOptions.microBatchSize()) {
      trainPending();
    } else if (!batchTimerPending) {
      batchTimerPending = true;
      long due =
          getProcessingTimeService().getCurrentProcessingTime()
              + trainerOptions.maxWait().toMillis();
      getProcessingTimeService()
          .registerTimer(
              due,
              t -> {
                batchTimerPending = false;
                trainPending();
              });
    }
  }

  private void trainPending() {
    checkFeed();
    if (pending.isEmpty()) {
      return;
    }
    adoptDenseAverage();
    long newest = Long.MIN_VALUE;
    long minIngest = Long.MAX_VALUE;
    long maxIngest = -1;
    for (TrainingSample s : pending) {
      newest = Math.max(newest, s.eventTimeMs());
      if (s.ingestTimeMs() > 0) {
        minIngest = Math.min(minIngest, s.ingestTimeMs());
        maxIngest = Math.max(maxIngest, s.ingestTimeMs());
      }
    }
    long newestEvent = newest;
    long lo = minIngest == Long.MAX_VALUE ? -1 : minIngest;
    long hi = maxIngest;
    probe.beforeTraining(replica, pending);
    BatchResult result =
        replica.trainBatch(
            pending,
            rows -> {
              window.add(rows, newestEvent, lo, hi);
              applyOwnWrites(rows, newestEvent);
            });
    // The replica's own version follows the owners' deltas (a millisecond clock); a score names
    // the trainer's step count in this attempt instead.
    steps++;
    float[] predictions = result.predictions();
    for (int i = 0; i < pending.size(); i++) {
      TrainingSample s = pending.get(i);
      metrics.add(s.userId(), predictions[i], s.label());
      PrequentialScore score =
          new PrequentialScore(
              s.userId(), s.targetItem(), s.label(), predictions[i], s.eventTimeMs(), steps);
      output.collect(new StreamRecord<>(score, s.eventTimeMs()));
    }
    samplesTrained += pending.size();
    samplesCounter.inc(pending.size());
    pending.clear();
    if (window.full()) {
      flushWindow();
    }
  }

  /**
   * Read-your-own-writes ({@link OwnRowWrites}): the micro-batch's row gradients applied to the
   * replica at once, each row's change recorded in the {@link OwnWriteLedger}: the owners' rows,
   * which carry every trainer's contributions, are rebased on the changes they do not include yet.
   * Runs under the replica's write lock (the sink of {@code trainBatch}).
   */
  private void applyOwnWrites(RowGradients rows, long nowMs) {
    OwnRowWrites.apply(
        rows,
        nowMs,
        tableIndex,
        (t, id, delta, offset) ->
            ownWrites.record(t, id, ownerOf(id), windowNumber, delta, offset));
  }

  /** The owner subtask of row {@code id}: Flink's operator index of its key group. */
  private int ownerOf(long id) {
    return ownerOfKeyGroup(routing.keyGroupOf(id));
  }

  private int ownerOfKeyGroup(int keyGroup) {
    return KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup(
        routing.maxParallelism(), owners, keyGroup);
  }

  private void flushWindow() {
    if (window.isEmpty()) {
      return;
    }
    long number = windowNumber++;
    int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    long newest = window.newestEventTimeMs();
    long minIngest = window.minIngestTimeMs();
    long maxIngest = window.maxIngestTimeMs();
    List<GradientBatch> records = new ArrayList<>();
    window.drain(
        routing::keyGroupOf,
        routing.maxParallelism(),
        (table, group, ids, contributions, sums) ->
            records.add(
                new GradientBatch(
                    group,
                    table,
                    ids,
                    contributions,
                    sums,
                    newest,
                    minIngest,
                    maxIngest,
                    subtask,
                    number,
                    false)));
    for (GradientBatch b : GradientBatch.closingEachOwnersShare(records, this::ownerOfKeyGroup)) {
      gradientRowsSent.inc(b.size());
      gradientRecordsSent.inc();
      output.collect(GRADIENTS, new StreamRecord<>(b));
    }
    forgetLocalChanges();
    replica.exclusive(() -> ownWrites.sweep());
  }

  /**
   * Empties the replica's change trackers, which its own row updates fill: a replica publishes and
   * stores nothing, so without this they would grow to every row it ever trained.
   */
  private void forgetLocalChanges() {
    replica.withoutWriters(
        () -> {
          for (EmbeddingTable t : replica.tables()) {
            t.dirty().drainSinceFlush();
            t.dirty().drainSincePublish();
          }
        });
  }

  private void scheduleWindowFlush() {
    long due =
        getProcessingTimeService().getCurrentProcessingTime()
            + trainerOptions.gradientWindow().toMillis();
    getProcessingTimeService()
        .registerTimer(
            due,
            t -> {
              checkFeed();
              flushWindow();
              scheduleWindowFlush();
            });
  }

  private void scheduleDenseProgress() {
    long due =
        getProcessingTimeService().getCurrentProcessingTime()
            + trainerOptions.denseAverageInterval().toMillis();
    getProcessingTimeService()
        .registerTimer(
            due,
            t -> {
              sendDenseProgress();
              scheduleDenseProgress();
            });
  }

  private void sendDenseProgress() {
    adoptDenseAverage();
    // Rounds by the clock, so that every trainer's stay together (SentDenseCopies).
    SentDenseCopies.Progress p =
        sentCopies.send(flatDense(), getProcessingTimeService().getCurrentProcessingTime());
    output.collect(
        DENSE,
        new StreamRecord<>(
            new DenseProgress(
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), p.round(), p.values())));
  }

  private float[] flatDense() {
    return flatDense(replica);
  }

  /** {@code model}'s dense values, block after block in the model's order, in one array. */
  static float[] flatDense(DareModel model) {
    List<DenseBlock> blocks = model.withoutWriters(() -> model.dense().blocks());
    int n = 0;
    for (DenseBlock b : blocks) {
      n += b.size();
    }
    float[] flat = new float[n];
    int o = 0;
    for (DenseBlock b : blocks) {
      float[] v = b.values();
      System.arraycopy(v, 0, flat, o, v.length);
      o += v.length;
    }
    return flat;
  }

  /**
   * Merges the newest dense model G of this attempt's epoch: {@code own += G - copy}, the copy
   * being this trainer's dense values when it sent the round that G's version names (round 0: those
   * it opened with).
   */
  private void adoptDenseAverage() {
    ReplicaFeed.DenseAverage avg = feed.takeDenseAverage();
    if (avg == null) {
      return;
    }
    denseAveragesTaken++;
    if (avg.epoch() != epoch.epoch()) {
      return;
    }
    List<String> names = replica.dense().names();
    float[] average = new float[sizeOf(names)];
    int a = 0;
    for (String name : names) {
      float[] block = avg.blocks().get(name);
      if (block == null || block.length != replica.dense().block(name).size()) {
        throw new IllegalStateException(
            "dense average lacks block " + name + " or has another size: not this model's");
      }
      System.arraycopy(block, 0, average, a, block.length);
      a += block.length;
    }
    float[] delta = sentCopies.correction(avg.version(), average);
    if (delta == null) {
      return;
    }
    denseAveragesMerged++;
    List<DenseBlock> merged = new ArrayList<>(names.size());
    boolean changed = false;
    int o = 0;
    for (String name : names) {
      float[] own = replica.dense().block(name).values();
      int from = o;
      o += own.length;
      if (allZero(delta, from, own.length)) {
        continue; // G is this copy (nothing trained or merged since): keep own bits
      }
      for (int i = 0; i < own.length; i++) {
        own[i] += delta[from + i];
      }
      merged.add(new DenseBlock(name, own));
      changed = true;
    }
    if (changed) {
      merged.forEach(replica::writeDense);
    }
  }

  private int sizeOf(List<String> names) {
    int n = 0;
    for (String name : names) {
      n += replica.dense().block(name).size();
    }
    return n;
  }

  private static boolean allZero(float[] v, int from, int length) {
    for (int i = from; i < from + length; i++) {
      if (v[i] != 0f) {
        return false;
      }
    }
    return true;
  }

  private void checkFeed() {
    Throwable t = feed.failure();
    if (t != null) {
      throw new IllegalStateException(
          "the replica feed of " + kafkaOptions.deltasTopic() + " died: " + t, t);
    }
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    // Every sample before the barrier is trained and its gradients are on their way to the owners
    // ahead of the barrier: the owners' checkpoint then holds exactly those contributions.
    trainPending();
    flushWindow();
    // Likewise its dense progress to the averager, whose checkpoint then holds all of it.
    sendDenseProgress();
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    epoch.snapshot();
  }

  @Override
  public void finish() throws Exception {
    trainPending();
    flushWindow();
    sendDenseProgress();
    // Each trainer's own figures: the job's prequential AUC pools the trainers' scores.
    io.darestream.model.metrics.MetricsSnapshot m = metrics.snapshot();
    LOG.info(
        "Trainer {} of {}: {} samples, {} dense models merged of {} received; last {}: AUC {},"
            + " GAUC {}, mean prediction {}, observed {}; replica staleness (publish to applied)"
            + " over its last delta records p50 {} ms, p99 {} ms",
        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
        owners,
        samplesTrained,
        denseAveragesMerged,
        denseAveragesTaken,
        m.count(),
        String.format("%.4f", m.auc()),
        String.format("%.4f", m.gauc()),
        String.format("%.4f", m.meanPrediction()),
        String.format("%.4f", m.observedRate()),
        feed.stalenessPercentile(50),
        feed.stalenessPercentile(99));
    super.finish();
  }

  @Override
  public void close() throws Exception {
    try {
      if (feed != null) {
        feed.close();
      }
    } finally {
      super.close();
    }
  }

  private void registerMetrics() {
    samplesCounter = getMetricGroup().counter("samplesTrained");
    gradientRowsSent = getMetricGroup().counter("gradientRowsSent");
    gradientRecordsSent = getMetricGroup().counter("gradientRecordsSent");
    getMetricGroup().gauge("epoch", (Gauge<Long>) () -> epoch.epoch());
    getMetricGroup().gauge("replicaRowsApplied", (Gauge<Long>) () -> feed.rowsApplied());
    getMetricGroup().gauge("replicaMalformedDeltas", (Gauge<Long>) () -> feed.malformed());
    getMetricGroup()
        .gauge("replicaStalenessP50Ms", (Gauge<Long>) () -> feed.stalenessPercentile(50));
    getMetricGroup()
        .gauge("replicaStalenessP99Ms", (Gauge<Long>) () -> feed.stalenessPercentile(99));
  }

  /** The replica, for tests in this package. */
  DareModel replica() {
    return replica;
  }

  /** Replica staleness percentile in ms, for tests and the benchmark. */
  long stalenessPercentile(double p) {
    return feed.stalenessPercentile(p);
  }

  long samplesTrained() {
    return samplesTrained;
  }
}
