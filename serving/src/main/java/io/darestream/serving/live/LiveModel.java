package io.darestream.serving.live;

import io.darestream.schemas.avro.ModelDelta;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.HistorySource;
import io.darestream.serving.scoring.ModelNotReadyException;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.serving.scoring.ScoreOutput;
import io.darestream.serving.scoring.ScoreRequest;
import io.darestream.serving.scoring.ScoreResult;
import io.darestream.serving.scoring.UserHistory;
import io.darestream.state.snapshot.DeltaOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the model being served and swaps it atomically on a reload: a new model is loaded off to
 * the side and installed with one reference swap, requests already running finish on the model they
 * started with, and the old one is closed when the last of them is done.
 *
 * <p>Deltas are applied to the current generation by one thread (the delta tailer); scoring runs on
 * any number of request threads.
 */
public final class LiveModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LiveModel.class);

  private final AtomicReference<ModelGeneration> current = new AtomicReference<>();
  private final ServingMetrics metrics;
  private final LongSupplier clockMs;

  public LiveModel(ServingMetrics metrics, LongSupplier clockMs) {
    this.metrics = metrics;
    this.clockMs = clockMs;
  }

  public LiveModel(ServingMetrics metrics) {
    this(metrics, System::currentTimeMillis);
  }

  /** Installs {@code model} as the one served; the previous one closes once no request uses it. */
  public void install(ModelHandle model) {
    ModelGeneration previous = current.getAndSet(new ModelGeneration(model));
    metrics.modelLoaded();
    LOG.info(
        "Serving model {} at {} from {}",
        model.modelId(),
        model.snapshotPosition(),
        model.snapshotLocation());
    if (previous != null) {
      previous.release();
    }
  }

  public boolean loaded() {
    return current.get() != null;
  }

  /** Position of the model served now (snapshot plus applied deltas); empty before the first. */
  public Optional<ModelVersion> position() {
    ModelGeneration g = current.get();
    return g == null ? Optional.empty() : Optional.of(g.position());
  }

  /** The {@code model-deltas} offsets of the current model's snapshot; empty before the first. */
  public Optional<List<DeltaOffset>> deltaOffsets() {
    ModelGeneration g = current.get();
    return g == null ? Optional.empty() : Optional.of(g.model().deltaOffsets());
  }

  /** The snapshot position the current model was loaded from; empty before the first. */
  public Optional<ModelVersion> snapshotPosition() {
    ModelGeneration g = current.get();
    return g == null ? Optional.empty() : Optional.of(g.model().snapshotPosition());
  }

  /**
   * Whether a snapshot at {@code announced} should replace the model served now: none is loaded,
   * the snapshot is ahead of everything applied, or it belongs to a newer epoch than the one the
   * current model was loaded from (deltas of a new epoch applied on top of an old-epoch snapshot
   * leave rows the restored trainer no longer has).
   */
  public boolean shouldReload(ModelVersion announced) {
    ModelGeneration g = current.get();
    if (g == null) {
      return true;
    }
    return announced.isNewerThan(g.position())
        || announced.epoch() > g.model().snapshotPosition().epoch();
  }

  /** Applies one {@code model-deltas} record and counts what happened. */
  public DeltaOutcome apply(ModelDelta delta) {
    ModelGeneration g = current.get();
    if (g == null) {
      throw new ModelNotReadyException("no model loaded yet");
    }
    DeltaOutcome outcome = g.apply(delta, clockMs.getAsLong());
    switch (outcome) {
      case APPLIED -> metrics.deltaApplied(delta.getRows().size(), g.lastFreshnessMs());
      case STALE_EPOCH -> metrics.deltaIgnoredStaleEpoch();
      case OLDER_VERSION -> metrics.deltaIgnoredOlderVersion();
      case OTHER_MODEL -> metrics.badRecord("model-deltas", "other_model");
      case MALFORMED -> metrics.badRecord("model-deltas", "malformed");
      case NON_FINITE -> {
        metrics.badRecord("model-deltas", "non_finite");
        LOG.warn(
            "Refused a model-deltas record of {} at epoch {} version {}: it holds NaN or infinity",
            delta.getTable(),
            delta.getEpoch(),
            delta.getVersion());
      }
    }
    return outcome;
  }

  /** Scores {@code request} for a user with {@code history} on the model current at the start. */
  public ScoreResult score(ScoreRequest request, HistorySource history) {
    ModelGeneration g = acquire();
    try {
      UserHistory h = history.newest(request.userId(), g.model().maxHistory());
      g.readLock().lock();
      try {
        ScoreOutput out =
            g.model().score(h, request.itemIds(), request.categoryIds(), request.explain());
        return new ScoreResult(
            g.position(), out.scores(), h.known(), request.explain() ? out.retrieved() : null);
      } finally {
        g.readLock().unlock();
      }
    } finally {
      g.release();
    }
  }

  /** The served weights of one row (see {@link ModelHandle#readWeights}); for checks and tools. */
  public float[] readWeights(String table, long id) {
    ModelGeneration g = acquire();
    try {
      g.readLock().lock();
      try {
        return g.model().readWeights(table, id);
      } finally {
        g.readLock().unlock();
      }
    } finally {
      g.release();
    }
  }

  /** The model's status for {@code GET /v1/model}; empty before the first model. */
  public Optional<ModelStatus> status() {
    ModelGeneration g = current.get();
    if (g == null || !g.tryAcquire()) {
      return Optional.empty();
    }
    try {
      g.readLock().lock();
      try {
        long lastApplied = g.lastAppliedAtMs();
        return Optional.of(
            new ModelStatus(
                g.model().modelId(),
                g.position(),
                g.model().rowsPerTable(),
                g.model().snapshotLocation(),
                g.appliedDeltas(),
                g.lastFreshnessMs(),
                lastApplied < 0 ? -1 : Math.max(0, clockMs.getAsLong() - lastApplied)));
      } finally {
        g.readLock().unlock();
      }
    } finally {
      g.release();
    }
  }

  private ModelGeneration acquire() {
    while (true) {
      ModelGeneration g = current.get();
      if (g == null) {
        throw new ModelNotReadyException("no model loaded yet");
      }
      if (g.tryAcquire()) {
        return g;
      }
      // Retired between the read and the acquire: the next read sees its successor.
    }
  }

  @Override
  public void close() {
    ModelGeneration g = current.getAndSet(null);
    if (g != null) {
      g.release();
    }
  }
}
