package io.darestream.serving.live;

import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.serving.scoring.ModelVersion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides, record by record, whether a {@code model-deltas} record may change the model being
 * served, and writes its rows when it may (DESIGN.md section 5).
 *
 * <ul>
 *   <li>An older epoch never wins: its records were published before a restore, so their rows may
 *       hold updates the restored trainer no longer has.
 *   <li>A newer epoch supersedes the current one; from then on the older epoch is stale.
 *   <li>Within an epoch, rows are full values, so re-applying is harmless; only a record older than
 *       what its table already holds is skipped, so that replaying from snapshot offsets cannot
 *       move a row back. Versions are tracked per table because tables are keyed (and so
 *       partitioned) separately and their records interleave, and per writer (the record's {@code
 *       writer}) because the sharded stage's row owners each publish into every table with versions
 *       of their own: a row has one writer per epoch, so only that writer's order says whether a
 *       record of the row is older. Comparing across writers would skip one owner's rows whenever
 *       another owner's newer-stamped record reached the partition first.
 *   <li>A record with a NaN or infinite value is refused whole: JSON cannot carry such a score, and
 *       one such row poisons every score that reads it.
 * </ul>
 *
 * <p>Not thread-safe: one instance per model generation, used under its write lock.
 */
public final class DeltaApplier {
  private final String modelId;
  private final ModelVersion base;
  private long epoch;
  private long newestVersion;
  private final Map<TableWriter, Long> tableVersions = new HashMap<>();

  /**
   * @param modelId the served model; records of other models are not applied
   * @param base the position of the snapshot the generation was loaded from
   */
  public DeltaApplier(String modelId, ModelVersion base) {
    this.modelId = modelId;
    this.base = base;
    this.epoch = base.epoch();
    this.newestVersion = base.version();
  }

  /** The newest (epoch, version) applied, or the snapshot's before any delta. */
  public ModelVersion position() {
    return new ModelVersion(epoch, newestVersion);
  }

  /** Whether a newer epoch than the snapshot's has been applied (the state mixes two epochs). */
  public boolean epochAdvancedPastSnapshot() {
    return epoch > base.epoch();
  }

  /** Applies {@code delta} to {@code rows} if it may; says what it did. */
  public DeltaOutcome apply(ModelDelta delta, RowWriter rows) {
    if (!modelId.equals(delta.getModelId())) {
      return DeltaOutcome.OTHER_MODEL;
    }
    if (delta.getEpoch() < epoch) {
      return DeltaOutcome.STALE_EPOCH;
    }
    TableWriter table = new TableWriter(delta.getTable(), delta.getWriter());
    if (delta.getEpoch() == epoch) {
      // Before a table's first delta, the snapshot's version is what it holds (same epoch only).
      // A snapshot has one version, the single trainer's (writer 0); other writers' records are
      // ordered among themselves only.
      long snapshotVersion =
          epoch == base.epoch() && table.writer() == 0 ? base.version() : Long.MIN_VALUE;
      long tableVersion = tableVersions.getOrDefault(table, snapshotVersion);
      if (delta.getVersion() < tableVersion) {
        return DeltaOutcome.OLDER_VERSION;
      }
    }
    if (!allFinite(delta)) {
      return DeltaOutcome.NON_FINITE; // a diverged trainer or a forged record: never served
    }
    try {
      rows.apply(delta);
    } catch (IllegalArgumentException e) {
      return DeltaOutcome.MALFORMED; // checked before anything was written
    }
    if (delta.getEpoch() > epoch) {
      epoch = delta.getEpoch();
      newestVersion = Long.MIN_VALUE;
      tableVersions.clear();
    }
    tableVersions.put(table, delta.getVersion());
    newestVersion = Math.max(newestVersion, delta.getVersion());
    return DeltaOutcome.APPLIED;
  }

  /** One writer's records of one table: the unit whose versions are ordered. */
  private record TableWriter(String table, int writer) {}

  /** Whether every value of every row is a finite float (rows are float32 little-endian). */
  static boolean allFinite(ModelDelta delta) {
    for (DeltaRow row : delta.getRows()) {
      ByteBuffer values = row.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = values.position(); i + Float.BYTES <= values.limit(); i += Float.BYTES) {
        if (!Float.isFinite(values.getFloat(i))) {
          return false;
        }
      }
    }
    return true;
  }
}
