package io.darestream.serving.live;

import io.darestream.model.sync.DeltaOrder;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.serving.scoring.ModelVersion;
import java.util.Map;

/**
 * Decides, record by record, whether a {@code model-deltas} record may change the model being
 * served, and writes its rows when it may (DESIGN.md section 5). The order (epochs, per (table,
 * writer) versions, the snapshot's per-writer base versions) is the model module's {@link
 * DeltaOrder}, the one the sharded trainers' replicas use too; this class adds what only serving
 * needs:
 *
 * <ul>
 *   <li>A record with a NaN or infinite value is refused whole: JSON cannot carry such a score, and
 *       one such row poisons every score that reads it.
 *   <li>A malformed record (unknown table, wrong row width) is refused before any row is written
 *       and does not move the order.
 * </ul>
 *
 * <p>Not thread-safe: one instance per model generation, used under its write lock.
 */
public final class DeltaApplier {
  private final DeltaOrder order;

  /**
   * @param modelId the served model; records of other models are not applied
   * @param base the position of the snapshot the generation was loaded from (writer 0's version)
   */
  public DeltaApplier(String modelId, ModelVersion base) {
    this(modelId, base.epoch(), Map.of(0, base.version()));
  }

  /**
   * @param modelId the served model
   * @param epoch the epoch of the snapshot (or set of parts) the generation was loaded from
   * @param baseVersions per writer, the version the snapshot holds of it
   */
  public DeltaApplier(String modelId, long epoch, Map<Integer, Long> baseVersions) {
    this.order = new DeltaOrder(modelId, epoch, baseVersions);
  }

  /** The newest (epoch, version) applied, or the snapshot's before any delta. */
  public ModelVersion position() {
    return new ModelVersion(order.epoch(), order.newestVersion());
  }

  /** Whether a newer epoch than the snapshot's has been applied (the state mixes two epochs). */
  public boolean epochAdvancedPastSnapshot() {
    return order.epochAdvancedPastSnapshot();
  }

  /** Applies {@code delta} to {@code rows} if it may; says what it did. */
  public DeltaOutcome apply(ModelDelta delta, RowWriter rows) {
    switch (order.admit(delta)) {
      case OTHER_MODEL -> {
        return DeltaOutcome.OTHER_MODEL;
      }
      case STALE_EPOCH -> {
        return DeltaOutcome.STALE_EPOCH;
      }
      case OLDER_VERSION -> {
        return DeltaOutcome.OLDER_VERSION;
      }
      case APPLY -> {}
    }
    if (!allFinite(delta)) {
      return DeltaOutcome.NON_FINITE; // a diverged trainer or a forged record: never served
    }
    try {
      rows.apply(delta);
    } catch (IllegalArgumentException e) {
      return DeltaOutcome.MALFORMED; // checked before anything was written
    }
    order.applied(delta);
    return DeltaOutcome.APPLIED;
  }

  /** Whether every value of every row is a finite float (rows are float32 little-endian). */
  static boolean allFinite(ModelDelta delta) {
    return ModelDeltas.allFinite(delta);
  }
}
