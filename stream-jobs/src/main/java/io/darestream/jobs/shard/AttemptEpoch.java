package io.darestream.jobs.shard;

import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * The epoch of the sharded stage's attempt, the same in every subtask of the stage without any
 * coordination: one more than the newest epoch in the restored checkpoint (union state: every
 * subtask sees every subtask's), plus the attempt number. The sharded stage's subtasks are one
 * failover region (all-to-all edges), so they restart together with the same attempt number; every
 * restart thus publishes under a new, larger epoch, and serving lets it supersede the old one.
 *
 * <p>Limit: a job started twice from the same savepoint gets the same epochs in both runs (the
 * single trainer's durable epoch ledger does not have this gap).
 */
final class AttemptEpoch {
  private final ListState<Long> state;
  private final long epoch;

  private AttemptEpoch(ListState<Long> state, long epoch) {
    this.state = state;
    this.epoch = epoch;
  }

  /** Reads the restored epochs of state {@code name} and begins this attempt's. */
  static AttemptEpoch begin(StateInitializationContext context, String name, int attemptNumber)
      throws Exception {
    ListState<Long> state =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(name, Types.LONG));
    long restored = 0;
    if (context.isRestored()) {
      for (Long e : state.get()) {
        restored = Math.max(restored, e);
      }
    }
    return new AttemptEpoch(state, restored + 1 + attemptNumber);
  }

  long epoch() {
    return epoch;
  }

  /** Records the epoch in the checkpoint being taken. */
  void snapshot() throws Exception {
    state.update(List.of(epoch));
  }
}
