package io.darestream.jobs.train;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.MetricsSnapshot;
import io.darestream.schemas.avro.PartitionOffset;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.state.checkpoint.ExportResult;
import io.darestream.state.snapshot.SnapshotManifest;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotReader;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer stage of dare-train (DESIGN.md §1, §5): micro-batches samples by size or maximum
 * wait, scores each sample before training on it (emitting the {@link PrequentialScore}s),
 * publishes changed rows to {@code model-deltas} every publish interval, and ties the model store
 * to Flink's checkpoints: flush + RocksDB checkpoint + incremental export in {@code snapshotState},
 * a snapshot for serving in {@code notifyCheckpointComplete}, restore and a new epoch in {@code
 * initializeState}.
 *
 * <p>Runs with parallelism 1: the model is one replica. Training with more than one subtask is the
 * sharded stage of {@code io.darestream.jobs.shard} ({@code dare.trainer.parallelism} > 1): its row
 * owners keep the model in Flink keyed state, so a model does not move between the two.
 */
public final class TrainerOperator extends AbstractStreamOperator<PrequentialScore>
    implements OneInputStreamOperator<TrainingSample, PrequentialScore> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TrainerOperator.class);

  /**
   * Operator state: one record per checkpoint, written by Flink only once the model checkpoint it
   * names is exported (see {@link DurableCheckpointRecordSerializer}).
   */
  static final ListStateDescriptor<DurableCheckpointRecord> CHECKPOINT_RECORD =
      new ListStateDescriptor<>(
          "dare-trainer-checkpoint", DurableCheckpointRecordSerializer.INSTANCE);

  /** Rows per delta record: 2,048 rows of 16 floats is about 150 KB, well under Kafka's 1 MB. */
  static final int MAX_ROWS_PER_DELTA = 2048;

  /** Samples in the streaming metrics window. */
  static final int METRICS_WINDOW = 10_000;

  private final ModelOptions modelOptions;
  private final TrainerOptions trainerOptions;
  private final KafkaOptions kafkaOptions;
  private final String exportRoot;
  private final TrainingProbe probe;

  private transient ListState<DurableCheckpointRecord> checkpointRecords;
  private transient ModelCheckpointing durable;
  private transient DeltaPublisher publisher;
  private transient OnlineTrainer trainer;
  private transient DareModel model;
  private transient long epoch;
  private transient boolean batchTimerPending;
  private transient long lastDensePublishMs;
  private transient Path workDir;
  private transient Counter samplesCounter;
  private transient volatile MetricsSnapshot lastMetrics;

  public TrainerOperator(
      ModelOptions modelOptions,
      TrainerOptions trainerOptions,
      KafkaOptions kafkaOptions,
      CheckpointOptions checkpointOptions) {
    this(modelOptions, trainerOptions, kafkaOptions, checkpointOptions, TrainingProbe.NONE);
  }

  /** As above, with {@code probe} shown every micro-batch before the model trains on it. */
  public TrainerOperator(
      ModelOptions modelOptions,
      TrainerOptions trainerOptions,
      KafkaOptions kafkaOptions,
      CheckpointOptions checkpointOptions,
      TrainingProbe probe) {
    this.probe = Objects.requireNonNull(probe, "probe");
    this.modelOptions = modelOptions;
    this.trainerOptions = trainerOptions;
    this.kafkaOptions = kafkaOptions;
    this.exportRoot =
        ModelExportLocation.resolve(checkpointOptions.dir(), modelOptions.modelId()).toString();
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    if (parallelism != 1) {
      throw new IllegalStateException(
          "the trainer holds the one model replica and must run with parallelism 1, got "
              + parallelism);
    }
    checkpointRecords = context.getOperatorStateStore().getListState(CHECKPOINT_RECORD);
    TrainerCheckpointRecord restored = null;
    if (context.isRestored()) {
      Iterator<DurableCheckpointRecord> it = checkpointRecords.get().iterator();
      if (it.hasNext()) {
        restored = it.next().record();
      }
    }
    workDir =
        Path.of(System.getProperty("java.io.tmpdir"), "dare-trainer", UUID.randomUUID().toString());
    Path snapshotRoot = Path.of(trainerOptions.snapshotDir());
    durable =
        new ModelCheckpointing(
            workDir, Path.of(exportRoot), snapshotRoot, trainerOptions.snapshotRetention());
    // Snapshots and the sharded stage's parts alike: a job moved back from the stage supersedes it.
    long newestPublishedEpoch = SnapshotReader.newestPublishedEpoch(snapshotRoot);
    if (restored != null) {
      model = durable.restore(restored.checkpointId());
      // Recorded before open() creates the publisher: no delta of this attempt precedes it.
      epoch = durable.beginEpoch(Math.max(restored.epoch(), newestPublishedEpoch));
      LOG.info(
          "Trainer restored checkpoint {} (model version {}, epoch {}); new epoch {}",
          restored.checkpointId(),
          model.version(),
          restored.epoch(),
          epoch);
    } else {
      // A pretrained model only seeds a fresh start: a restore continues from its checkpoint.
      model =
          trainerOptions.initialSnapshot().isPresent()
              ? PretrainedModel.load(
                  Path.of(trainerOptions.initialSnapshot().get()), modelOptions.config())
              : DareModel.create(modelOptions.config());
      durable.start(model);
      // A fresh start must still supersede whatever an earlier run published to serving.
      epoch = durable.beginEpoch(newestPublishedEpoch);
      LOG.info("Trainer starts a new model {} in epoch {}", modelOptions.modelId(), epoch);
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    publisher =
        new DeltaPublisher(
            kafkaOptions.bootstrapServers(),
            kafkaOptions.deltasTopic(),
            kafkaOptions.snapshotsTopic());
    trainer =
        new OnlineTrainer(
            model,
            modelOptions.modelId(),
            epoch,
            trainerOptions.microBatchSize(),
            MAX_ROWS_PER_DELTA,
            METRICS_WINDOW,
            probe);
    lastDensePublishMs = Long.MIN_VALUE;
    registerMetrics();
    schedulePublish();
  }

  @Override
  public void processElement(StreamRecord<TrainingSample> element) throws Exception {
    if (trainer.add(element.getValue())) {
      trainAndEmit();
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
                trainAndEmit();
              });
    }
  }

  private void trainAndEmit() {
    List<PrequentialScore> scores = trainer.trainPending();
    for (PrequentialScore s : scores) {
      output.collect(new StreamRecord<>(s, s.eventTimeMs));
    }
    if (!scores.isEmpty()) {
      samplesCounter.inc(scores.size());
    }
  }

  private void schedulePublish() {
    long due =
        getProcessingTimeService().getCurrentProcessingTime()
            + trainerOptions.publishInterval().toMillis();
    getProcessingTimeService()
        .registerTimer(
            due,
            now -> {
              publishDeltas(now, false);
              schedulePublish();
            });
  }

  /**
   * @param withDense publish the dense blocks whatever their interval: a checkpoint's deltas must
   *     hold the whole model of its snapshot, or serving at the snapshot's position keeps older
   *     dense weights (found by the chaos test: serving's MLP differed from the final snapshot's)
   */
  private void publishDeltas(long nowMs, boolean withDense) {
    boolean dense =
        withDense
            || lastDensePublishMs == Long.MIN_VALUE
            || nowMs - lastDensePublishMs >= trainerOptions.densePublishInterval().toMillis();
    if (dense) {
      lastDensePublishMs = nowMs;
    }
    // Expiry runs at the publish pace, so each publish carries the deletions of its interval (and
    // the barrier's publish those the checkpoint's store must not hold any more).
    trainer.expireRows();
    publisher.publish(trainer.drainDeltas(nowMs, dense));
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    // Everything received before the barrier is trained and published, so the checkpoint, the
    // snapshot and the delta offsets in its manifest all describe the same model.
    trainAndEmit();
    publishDeltas(getProcessingTimeService().getCurrentProcessingTime(), true);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    long checkpointId = context.getCheckpointId();
    List<PartitionOffset> offsets = publisher.flushAndGetOffsets();
    MetricsSnapshot metrics = trainer.metrics();
    lastMetrics = metrics;
    SnapshotMetadata.Builder meta =
        SnapshotMetadata.builder()
            .setModelId(modelOptions.modelId())
            .setEpoch(epoch)
            .setVersion(model.version())
            .setCheckpointId(checkpointId)
            .optModelConfig(model.config().toProperties())
            .putMetric("samples_trained", trainer.samplesTrained())
            .putMetric("auc_window", metrics.auc())
            .putMetric("gauc_window", metrics.gauc())
            .putMetric("logloss_window", metrics.logloss());
    for (PartitionOffset o : offsets) {
      meta.addDeltaOffset(o.getTopic(), o.getPartition(), o.getOffset());
    }
    // Only the copy of the changed rows happens here; Flink acknowledges the checkpoint once the
    // record is written, which waits for the export (DurableCheckpointRecordSerializer).
    CompletableFuture<ExportResult> exported =
        durable.checkpoint(checkpointId, model, modelOptions.modelId(), epoch, meta.build());
    checkpointRecords.update(
        List.of(
            new DurableCheckpointRecord(
                new TrainerCheckpointRecord(
                    checkpointId, epoch, modelOptions.modelId(), model.version()),
                exported)));
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    // Publishing (copies, digests, fsyncs) runs beside training; the announcement follows it.
    durable.publish(checkpointId, published -> announce(checkpointId, published));
  }

  private void announce(long checkpointId, ModelCheckpointing.Published published) {
    SnapshotManifest manifest = published.manifest();
    publisher.announce(
        SnapshotAnnouncement.newBuilder()
            .setModelId(modelOptions.modelId())
            .setEpoch(epoch)
            .setVersion(manifest.version())
            .setCheckpointId(checkpointId)
            .setLocation(published.directory().toAbsolutePath().toString())
            .setManifestSha256(published.manifestSha256())
            .setDeltaOffsets(
                manifest.deltaOffsets().stream()
                    .map(o -> new PartitionOffset(o.topic(), o.partition(), o.offset()))
                    .toList())
            .setCreatedTimeMs(System.currentTimeMillis())
            .build());
    LOG.info(
        "Published snapshot {} (epoch {}, version {})",
        published.directory(),
        epoch,
        manifest.version());
  }

  @Override
  public void finish() throws Exception {
    // End of a bounded input: train what is buffered and publish everything, dense included.
    trainAndEmit();
    publishDeltas(getProcessingTimeService().getCurrentProcessingTime(), true);
    publisher.flushAndGetOffsets();
    super.finish();
  }

  @Override
  public void close() throws Exception {
    try {
      // The model store first: its background publish may still announce through the publisher.
      if (durable != null) {
        durable.close();
      }
      if (publisher != null) {
        publisher.close();
      }
      if (workDir != null) {
        ModelCheckpointing.deleteQuietly(workDir);
      }
    } finally {
      super.close();
    }
  }

  private void registerMetrics() {
    samplesCounter = getMetricGroup().counter("samplesTrained");
    getMetricGroup().gauge("modelVersion", (Gauge<Long>) () -> model.version());
    getMetricGroup().gauge("epoch", (Gauge<Long>) () -> epoch);
    getMetricGroup()
        .gauge(
            "rowsLive",
            (Gauge<Long>) () -> model.counters().values().stream().mapToLong(c -> c.live()).sum());
    getMetricGroup()
        .gauge(
            "aucWindow",
            (Gauge<Double>) () -> lastMetrics == null ? Double.NaN : lastMetrics.auc());
    getMetricGroup().gauge("deltaRecordsSent", (Gauge<Long>) () -> publisher.recordsSent());
    getMetricGroup()
        .gauge(
            "rowsExpired",
            (Gauge<Long>)
                () -> model.counters().values().stream().mapToLong(c -> c.expired()).sum());
    getMetricGroup()
        .gauge(
            "admissionPending",
            (Gauge<Long>)
                () ->
                    model.counters().values().stream().mapToLong(c -> c.pendingAdmission()).sum());
  }

  /** This attempt's epoch, for tests in this package. */
  long epoch() {
    return epoch;
  }

  /** The live model, for tests in this package. */
  DareModel model() {
    return model;
  }
}
