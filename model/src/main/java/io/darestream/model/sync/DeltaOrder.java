package io.darestream.model.sync;

import io.darestream.schemas.avro.ModelDelta;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides whether a {@code model-deltas} record may change a model loaded from a snapshot (or a set
 * of snapshot parts), the one ordering rule that serving and the sharded trainers' replicas share
 * (DESIGN.md section 5).
 *
 * <ul>
 *   <li>An older epoch never wins: its records were published before a restore, so their rows may
 *       hold updates the restored job no longer has (a failed attempt's rows after its last
 *       checkpoint).
 *   <li>A newer epoch supersedes the current one; from then on the older epoch is stale.
 *   <li>Within an epoch, rows are full values, so re-applying is harmless; only a record older than
 *       what its table already holds from the same writer is skipped, so that replaying from
 *       snapshot offsets cannot move a row back. Versions are tracked per table because tables are
 *       keyed (and so partitioned) separately and their records interleave, and per writer (the
 *       record's {@code writer}) because the sharded stage's row owners each publish into every
 *       table with versions of their own: a row has one writer per epoch, so only that writer's
 *       order says whether a record of the row is older.
 *   <li>Before a table's first record of the snapshot's epoch, a writer's table holds the writer's
 *       version in the snapshot ({@code baseVersions}: the single trainer's snapshot has one,
 *       writer 0; a set of parts has one per part, the version its writer had reached at the
 *       barrier).
 * </ul>
 *
 * <p>The caller asks {@link #admit} first and reports {@link #applied} once the rows are written (a
 * record refused later, e.g. malformed, must not move the order). Not thread-safe.
 */
public final class DeltaOrder {
  /** What {@link #admit} decided. */
  public enum Verdict {
    /** Apply it (then call {@link #applied}). */
    APPLY,
    /** Its epoch is older than the current one: written before a restore, never applied. */
    STALE_EPOCH,
    /** Same epoch, but its writer's table already holds a newer version. */
    OLDER_VERSION,
    /** Written for another model id. */
    OTHER_MODEL
  }

  private final String modelId;
  private final long baseEpoch;
  private final Map<Integer, Long> baseVersions;
  private long epoch;
  private long newestVersion;
  private final Map<TableWriter, Long> tableVersions = new HashMap<>();

  /**
   * @param modelId the model loaded; records of other models are not applied
   * @param epoch the epoch of the snapshot the model was loaded from
   * @param baseVersions per writer, the version the snapshot holds of it; a writer not in the map
   *     has nothing in the snapshot
   */
  public DeltaOrder(String modelId, long epoch, Map<Integer, Long> baseVersions) {
    this.modelId = modelId;
    this.baseEpoch = epoch;
    this.baseVersions = Map.copyOf(baseVersions);
    this.epoch = epoch;
    this.newestVersion =
        baseVersions.values().stream().mapToLong(Long::longValue).max().orElse(Long.MIN_VALUE);
  }

  /** The order after a single trainer's snapshot at (epoch, version): writer 0 only. */
  public static DeltaOrder ofSnapshot(String modelId, long epoch, long version) {
    return new DeltaOrder(modelId, epoch, Map.of(0, version));
  }

  /** Whether {@code delta} may be applied now. */
  public Verdict admit(ModelDelta delta) {
    if (!modelId.equals(delta.getModelId())) {
      return Verdict.OTHER_MODEL;
    }
    if (delta.getEpoch() < epoch) {
      return Verdict.STALE_EPOCH;
    }
    if (delta.getEpoch() == epoch) {
      TableWriter table = new TableWriter(delta.getTable(), delta.getWriter());
      Long held = tableVersions.get(table);
      long tableVersion = held != null ? held : baseVersion(delta.getWriter());
      if (delta.getVersion() < tableVersion) {
        return Verdict.OLDER_VERSION;
      }
    }
    return Verdict.APPLY;
  }

  /** Records that {@code delta}, admitted, was written: its epoch and version now hold. */
  public void applied(ModelDelta delta) {
    if (delta.getEpoch() > epoch) {
      epoch = delta.getEpoch();
      newestVersion = Long.MIN_VALUE;
      tableVersions.clear();
    }
    tableVersions.put(new TableWriter(delta.getTable(), delta.getWriter()), delta.getVersion());
    newestVersion = Math.max(newestVersion, delta.getVersion());
  }

  private long baseVersion(int writer) {
    // The snapshot's versions hold in its own epoch only; a newer epoch starts from nothing.
    return epoch == baseEpoch ? baseVersions.getOrDefault(writer, Long.MIN_VALUE) : Long.MIN_VALUE;
  }

  /** The current epoch: the snapshot's, or the newest applied. */
  public long epoch() {
    return epoch;
  }

  /** The newest version applied in the current epoch (the snapshot's newest before any). */
  public long newestVersion() {
    return newestVersion;
  }

  /** Whether a newer epoch than the snapshot's has been applied (the model mixes two epochs). */
  public boolean epochAdvancedPastSnapshot() {
    return epoch > baseEpoch;
  }

  /** One writer's records of one table: the unit whose versions are ordered. */
  private record TableWriter(String table, int writer) {}
}
