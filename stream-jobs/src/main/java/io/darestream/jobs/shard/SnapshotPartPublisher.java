package io.darestream.jobs.shard;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.train.DeltaPublisher;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.SnapshotPartRows;
import io.darestream.schemas.avro.PartitionOffset;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.state.io.Fs;
import io.darestream.state.snapshot.DeltaOffset;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotPartWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one writer's parts of the sharded stage's snapshots (a row owner's, or the dense
 * averager's) and announces them on {@code model-snapshots}: at a checkpoint's barrier, after the
 * writer flushed its deltas, {@link #atBarrier} notes the writer's version and the end offsets of
 * every partition of {@code model-deltas} (every record it publishes later lies at or after them);
 * once Flink confirms that checkpoint, {@link #publishIfPending} writes what the writer held at the
 * barrier as its part ({@code SnapshotPartRows}, published by state's {@link SnapshotPartWriter}:
 * temp directory, digests, fsync, rename). A confirmation that comes after a later barrier was
 * already taken is skipped: the writer's state is no longer that checkpoint's, and the next
 * checkpoint makes a set.
 *
 * <p>A writer that copied its rows at the barrier has its part written and announced on this
 * publisher's own thread ({@link #publishAndAnnounceInBackground}), so that the task goes on
 * training meanwhile; one whose rows can only be read from its keyed state writes on the task
 * thread ({@link #publishAndAnnounce}). One part is in the background at a time (the next waits for
 * it). A background write that fails is rethrown on the task thread at the next call, failing the
 * task loudly. Close this before the writer's {@link DeltaPublisher}: the last part is announced on
 * it.
 */
final class SnapshotPartPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPartPublisher.class);
  private static final long ADMIN_TIMEOUT_MS = 30_000;

  private final SnapshotPartWriter parts;
  private final Admin admin;
  private final String deltasTopic;
  private final String modelId;
  private final String modelConfig;
  private final int writer;
  private final int writers;
  private final ExecutorService background;
  private final AtomicReference<Throwable> backgroundFailure = new AtomicReference<>();
  private Future<?> inFlight;
  private List<TopicPartition> partitions;
  private Pending pending;

  /** What a writer held at a barrier, to be published once the checkpoint completes. */
  private record Pending(long checkpointId, long version, List<DeltaOffset> offsets) {}

  /**
   * The publisher of one writer of the job configured by these options: snapshot directory and
   * retention from {@code trainer}, the deltas topic from {@code kafka}, the model id from {@code
   * model}.
   *
   * @param writer this writer's id on {@code model-deltas}
   * @param writers how many parts make a set (owners + 1)
   */
  static SnapshotPartPublisher of(
      TrainerOptions trainer,
      KafkaOptions kafka,
      ModelOptions model,
      String modelConfig,
      int writer,
      int writers) {
    return new SnapshotPartPublisher(
        Path.of(trainer.snapshotDir()),
        trainer.snapshotRetention(),
        kafka.bootstrapServers(),
        kafka.deltasTopic(),
        model.modelId(),
        modelConfig,
        writer,
        writers);
  }

  /**
   * @param writer this writer's id on {@code model-deltas}
   * @param writers how many parts make a set (owners + 1)
   */
  SnapshotPartPublisher(
      Path root,
      int retain,
      String bootstrapServers,
      String deltasTopic,
      String modelId,
      String modelConfig,
      int writer,
      int writers) {
    this.parts = new SnapshotPartWriter(root, writer, retain);
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "dare-snapshot-part-" + writer);
    this.admin = Admin.create(p);
    this.deltasTopic = deltasTopic;
    this.modelId = modelId;
    this.modelConfig = modelConfig;
    this.writer = writer;
    this.writers = writers;
    this.background =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "dare-snapshot-part-w" + writer);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Notes the writer's state at the barrier of {@code checkpointId}: call after its deltas up to
   * the barrier are acknowledged and before it publishes anything newer.
   */
  void atBarrier(long checkpointId, long version) {
    rethrowBackgroundFailure();
    pending = new Pending(checkpointId, version, endOffsets());
  }

  /** Whether the writer still holds the state of {@code checkpointId}'s barrier. */
  boolean isPending(long checkpointId) {
    return pending != null && pending.checkpointId == checkpointId;
  }

  /**
   * Publishes the part of {@code checkpointId} with {@code rows} (what the writer held at its
   * barrier) and returns its announcement, unless a later barrier was taken since (then nothing).
   */
  SnapshotAnnouncement publishIfPending(
      long checkpointId, long epoch, SnapshotPartRows.RowSource rows) throws IOException {
    Pending p = takePending(checkpointId);
    return p == null ? null : write(p, epoch, rows);
  }

  /** The pending barrier state of {@code checkpointId}, now taken, or null (then logged). */
  private Pending takePending(long checkpointId) {
    if (!isPending(checkpointId)) {
      LOG.info(
          "Snapshot part of writer {} for checkpoint {} skipped: a later barrier was taken",
          writer,
          checkpointId);
      return null;
    }
    Pending p = pending;
    pending = null;
    return p;
  }

  private SnapshotAnnouncement write(Pending p, long epoch, SnapshotPartRows.RowSource rows)
      throws IOException {
    long checkpointId = p.checkpointId;
    // The averager before its first round holds the initial dense blocks: version 0.
    long version = Math.max(0, p.version);
    long t0 = System.nanoTime();
    Path staging = Files.createTempDirectory("dare-part-w" + writer + "-");
    Path dir;
    long written;
    try {
      written =
          SnapshotPartRows.write(
              staging.resolve("rows"),
              new DeltaStamp(
                  modelId, epoch, version, -1, -1, -1, System.currentTimeMillis(), writer),
              rows);
      SnapshotMetadata.Builder meta =
          SnapshotMetadata.builder()
              .setModelId(modelId)
              .setEpoch(epoch)
              .setVersion(version)
              .setCheckpointId(checkpointId)
              .optModelConfig(modelConfig)
              .putMetric("rows", written);
      p.offsets.forEach(o -> meta.addDeltaOffset(o.topic(), o.partition(), o.offset()));
      dir = parts.publish(meta.build(), writers, staging);
    } finally {
      Fs.deleteTree(staging);
    }
    LOG.info(
        "Snapshot part {} ({} rows, version {}) written in {} ms",
        dir,
        written,
        version,
        (System.nanoTime() - t0) / 1_000_000);
    return SnapshotAnnouncement.newBuilder()
        .setModelId(modelId)
        .setEpoch(epoch)
        .setVersion(version)
        .setCheckpointId(checkpointId)
        .setLocation(dir.toAbsolutePath().toString())
        .setManifestSha256(Fs.sha256(dir.resolve("PART")))
        .setDeltaOffsets(
            p.offsets.stream()
                .map(o -> new PartitionOffset(o.topic(), o.partition(), o.offset()))
                .toList())
        .setCreatedTimeMs(System.currentTimeMillis())
        .build();
  }

  /** Publishes the pending part and announces it on the writer's publisher, on this thread. */
  void publishAndAnnounce(
      long checkpointId, long epoch, SnapshotPartRows.RowSource rows, DeltaPublisher publisher)
      throws IOException {
    rethrowBackgroundFailure();
    SnapshotAnnouncement a = publishIfPending(checkpointId, epoch, rows);
    if (a != null) {
      publisher.announce(a);
    }
  }

  /**
   * Publishes the pending part and announces it on the writer's publisher, on this publisher's
   * thread: {@code rows} must be the writer's copy of what it held at the barrier (read on that
   * thread while the writer trains on). Parts are written one at a time, in call order.
   */
  void publishAndAnnounceInBackground(
      long checkpointId, long epoch, SnapshotPartRows.RowSource rows, DeltaPublisher publisher)
      throws InterruptedException {
    rethrowBackgroundFailure();
    Pending p = takePending(checkpointId);
    if (p == null) {
      return;
    }
    // One part at a time, and at most one copy of the rows waiting: a writer that checkpoints
    // faster than its parts are written waits here for the previous one, as it used to for its own.
    awaitBackground();
    inFlight =
        background.submit(
            () -> {
              try {
                publisher.announce(write(p, epoch, rows));
              } catch (Throwable t) {
                LOG.error(
                    "Snapshot part of writer {} for checkpoint {} failed",
                    writer,
                    p.checkpointId,
                    t);
                backgroundFailure.compareAndSet(null, t);
              }
            });
  }

  /** Waits until the part handed to the background, if any, is written and announced. */
  void awaitBackground() throws InterruptedException {
    if (inFlight != null) {
      try {
        inFlight.get();
      } catch (ExecutionException e) {
        backgroundFailure.compareAndSet(null, e.getCause());
      }
      inFlight = null;
    }
    rethrowBackgroundFailure();
  }

  private void rethrowBackgroundFailure() {
    Throwable t = backgroundFailure.get();
    if (t != null) {
      throw new IllegalStateException(
          "writing a snapshot part of writer " + writer + " failed: " + t, t);
    }
  }

  /** The end offset of every partition of {@code model-deltas} now. */
  private List<DeltaOffset> endOffsets() {
    try {
      if (partitions == null) {
        List<TopicPartition> found = new ArrayList<>();
        admin
            .describeTopics(List.of(deltasTopic))
            .allTopicNames()
            .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .get(deltasTopic)
            .partitions()
            .forEach(i -> found.add(new TopicPartition(deltasTopic, i.partition())));
        partitions = List.copyOf(found);
      }
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin.listOffsets(latest).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      List<DeltaOffset> out = new ArrayList<>();
      ends.forEach(
          (tp, info) -> out.add(new DeltaOffset(tp.topic(), tp.partition(), info.offset())));
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + deltasTopic + " offsets", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        // Nothing published yet (the topic is created by the first send): tail from the start.
        return List.of();
      }
      throw new IllegalStateException(
          "cannot read the end offsets of " + deltasTopic + ": " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "cannot read the end offsets of " + deltasTopic + ": " + e, e);
    }
  }

  /**
   * Finishes the parts handed to the background (at most a minute: a part of a finished job's last
   * checkpoint is still worth having), then closes the admin client.
   */
  @Override
  public void close() throws InterruptedException {
    background.shutdown();
    try {
      if (!background.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.warn("Snapshot part thread of writer {} did not finish within 60 s", writer);
        background.shutdownNow();
      }
    } finally {
      admin.close();
    }
  }
}
