package io.darestream.jobs.shard;

import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import java.util.stream.Stream;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;

/**
 * Row expiry for a row owner, with the single trainer's semantics ({@code
 * OnlineTrainer.expireRows}): on event time (the newest event time of the gradients the owner
 * applied), a row not updated for {@code dare.model.expiry} is dropped, and its deletion goes out
 * as a tombstone delta (serving and every trainer's replica drop it) and clears its keyed state at
 * the next checkpoint (the owner's write-back clears every dirty id without a row).
 *
 * <p>The rows in memory expire through the model ({@link DareModel#expire}). A restored owner also
 * holds rows in keyed state that no gradient has reached since the restore, so they are not in
 * memory: as in the single trainer, a restored row's age is unknown and its clock starts at the
 * first expiry after the restore; the rows still not in memory one horizon later were not updated
 * for a horizon, and one scan of the state's keys expires them. After it every live row is in
 * memory, so the scan runs once per start.
 */
final class OwnerExpiry {
  private final DareModel model;
  private final long expiryMs;
  private final KeyedStateBackend<Long> rows;
  private long sweepAtMs;

  /**
   * @param restored whether the owner started from a checkpoint or savepoint (rows in state)
   * @param rows the owner's keyed state, rows under {@link RowOwnerOperator#stateName}
   */
  OwnerExpiry(DareModel model, boolean restored, KeyedStateBackend<Long> rows) {
    this.model = model;
    this.expiryMs = model.config().expiryMs();
    this.rows = rows;
    this.sweepAtMs = restored ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  /**
   * Expires the rows not updated for the horizon as of {@code clockMs} (no-op without expiry or
   * before the first gradient, {@code Long.MIN_VALUE}); call under no other model writer, before
   * the changed rows are drained for publishing.
   *
   * @return rows expired
   */
  int expire(long clockMs) {
    if (expiryMs <= 0 || clockMs == Long.MIN_VALUE) {
      return 0;
    }
    int expired = model.expire(clockMs);
    if (sweepAtMs == Long.MIN_VALUE) {
      sweepAtMs = clockMs + expiryMs;
    } else if (clockMs >= sweepAtMs) {
      sweepAtMs = Long.MAX_VALUE;
      expired += expireRowsOnlyInState();
    }
    return expired;
  }

  private int expireRowsOnlyInState() {
    int expired = 0;
    for (EmbeddingTable table : model.tables()) {
      long[] ids;
      try (Stream<Long> keys =
          rows.<VoidNamespace>getKeys(
              RowOwnerOperator.stateName(table.name()), VoidNamespace.INSTANCE)) {
        ids = keys.mapToLong(Long::longValue).filter(id -> !table.contains(id)).toArray();
      }
      // Dirty without a row: a tombstone at the next publish, a cleared state at the next barrier.
      model.exclusive(() -> table.dirty().markAll(ids, ids.length));
      expired += ids.length;
    }
    return expired;
  }
}
