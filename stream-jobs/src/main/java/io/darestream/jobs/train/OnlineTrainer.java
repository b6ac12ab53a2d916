package io.darestream.jobs.train;

import io.darestream.model.BatchResult;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.MetricsSnapshot;
import io.darestream.model.metrics.StreamingMetrics;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.ModelDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The trainer's logic without Flink: collects samples into micro-batches, trains each batch
 * prequentially (every sample is scored before the model learns from it), keeps streaming metrics,
 * expires stale rows and remembers which events the next delta publish covers (for freshness).
 *
 * <p>Expiry runs on event time: the clock is the newest event time trained on, the same clock that
 * stamps each updated row (a micro-batch stamps its rows with its newest event time). A replay of
 * the same stream therefore expires the same rows however fast it runs, and a stream that stops
 * expires nothing (nor grows). Expired rows are marked dirty, so the next {@link #drainDeltas}
 * carries them as deletions (empty rows) and the next checkpoint deletes them from the store.
 *
 * <p>Not thread-safe: the trainer operator calls it from its task thread only.
 */
public final class OnlineTrainer {
  private final DareModel model;
  private final String modelId;
  private final int batchSize;
  private final int maxRowsPerDelta;
  private final StreamingMetrics metrics;
  private final List<TrainingSample> pending;
  private final TrainingProbe probe;

  private long epoch;
  private long samplesTrained;
  private long newestEventTimeMs = Long.MIN_VALUE;
  private long minIngestSincePublish = Long.MAX_VALUE;
  private long maxIngestSincePublish = Long.MIN_VALUE;

  public OnlineTrainer(
      DareModel model,
      String modelId,
      long epoch,
      int batchSize,
      int maxRowsPerDelta,
      int metricsWindow) {
    this(model, modelId, epoch, batchSize, maxRowsPerDelta, metricsWindow, TrainingProbe.NONE);
  }

  /** As above, with {@code probe} shown every micro-batch before the model trains on it. */
  public OnlineTrainer(
      DareModel model,
      String modelId,
      long epoch,
      int batchSize,
      int maxRowsPerDelta,
      int metricsWindow,
      TrainingProbe probe) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    this.model = model;
    this.modelId = modelId;
    this.epoch = epoch;
    this.batchSize = batchSize;
    this.maxRowsPerDelta = maxRowsPerDelta;
    this.metrics = new StreamingMetrics(metricsWindow);
    this.pending = new ArrayList<>(batchSize);
    this.probe = Objects.requireNonNull(probe, "probe");
  }

  /** Buffers a sample; returns true when a full micro-batch is waiting. */
  public boolean add(TrainingSample sample) {
    pending.add(sample);
    return pending.size() >= batchSize;
  }

  public int pendingSamples() {
    return pending.size();
  }

  /**
   * Trains the buffered samples as one micro-batch.
   *
   * @return each sample's pre-update prediction, in arrival order (empty if nothing was buffered)
   */
  public List<PrequentialScore> trainPending() {
    if (pending.isEmpty()) {
      return List.of();
    }
    probe.beforeTraining(model, pending);
    BatchResult result = model.trainBatch(pending);
    float[] predictions = result.predictions();
    List<PrequentialScore> out = new ArrayList<>(pending.size());
    for (int i = 0; i < pending.size(); i++) {
      TrainingSample s = pending.get(i);
      metrics.add(s.userId(), predictions[i], s.label());
      out.add(
          new PrequentialScore(
              s.userId(),
              s.targetItem(),
              s.label(),
              predictions[i],
              s.eventTimeMs(),
              result.version()));
      newestEventTimeMs = Math.max(newestEventTimeMs, s.eventTimeMs());
      if (s.ingestTimeMs() > 0) {
        minIngestSincePublish = Math.min(minIngestSincePublish, s.ingestTimeMs());
        maxIngestSincePublish = Math.max(maxIngestSincePublish, s.ingestTimeMs());
      }
    }
    samplesTrained += pending.size();
    pending.clear();
    return out;
  }

  /**
   * Drops the rows not updated for the model's expiry horizon ({@code DareConfig.expiryMs()}; none
   * when it is 0) as of the newest event time trained on, and ages admission counts with it. Call
   * it before {@link #drainDeltas} so that the deletions go out in the same publish.
   *
   * @return rows dropped
   */
  public int expireRows() {
    if (newestEventTimeMs == Long.MIN_VALUE || model.config().expiryMs() <= 0) {
      return 0;
    }
    return model.expire(newestEventTimeMs);
  }

  /**
   * The rows changed since the last publish as delta records (embedding rows; dense blocks too when
   * {@code includeDense}), stamped with the events they cover; resets the covered range.
   */
  public List<ModelDelta> drainDeltas(long nowMs, boolean includeDense) {
    DeltaStamp stamp =
        new DeltaStamp(
            modelId,
            epoch,
            model.version(),
            newestEventTimeMs == Long.MIN_VALUE ? -1 : newestEventTimeMs,
            minIngestSincePublish == Long.MAX_VALUE ? -1 : minIngestSincePublish,
            maxIngestSincePublish == Long.MIN_VALUE ? -1 : maxIngestSincePublish,
            nowMs);
    List<ModelDelta> out =
        new ArrayList<>(ModelDeltas.drainChangedRows(model, stamp, maxRowsPerDelta));
    if (includeDense) {
      out.addAll(ModelDeltas.denseBlocks(model, stamp));
    }
    minIngestSincePublish = Long.MAX_VALUE;
    maxIngestSincePublish = Long.MIN_VALUE;
    return out;
  }

  public DareModel model() {
    return model;
  }

  public String modelId() {
    return modelId;
  }

  public long epoch() {
    return epoch;
  }

  public long samplesTrained() {
    return samplesTrained;
  }

  public MetricsSnapshot metrics() {
    return metrics.snapshot();
  }

  /** Samples scored so far (all time), for metrics. */
  public long samplesScored() {
    return metrics.total();
  }
}
