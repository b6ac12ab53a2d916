package io.darestream.jobs.bootstrap;

import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.sequence.SequenceStateDescriptors;
import io.darestream.state.sequence.BehaviorSequence;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Writes one user's {@link UserState} into the sequence stage's state, through the job's own
 * descriptors ({@link SequenceStateDescriptors}: the sequence with its TTL, the pending
 * impressions) and its timer service ("user-timers", the one {@code KeyedProcessOperator} uses),
 * and the negative sampler's window as the stage's operator state, on subtask 0 only: the job's
 * {@code SequenceFunction} restores exactly what it would have checkpointed after that history.
 */
final class SequenceStateBootstrap extends KeyedStateBootstrapFunction<Long, UserState>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;

  private final SequenceOptions options;
  private final long[] samplerWindow;

  private transient ValueState<BehaviorSequence> sequence;
  private transient MapState<Long, long[]> pending;
  private transient ListState<long[]> sampler;

  /**
   * @param samplerWindow the history's {@code NegativeSampler#snapshot()}
   */
  SequenceStateBootstrap(SequenceOptions options, long[] samplerWindow) {
    this.options = options;
    this.samplerWindow = samplerWindow.clone();
  }

  @Override
  public void open(OpenContext openContext) {
    sequence = getRuntimeContext().getState(SequenceStateDescriptors.sequence(options));
    pending = getRuntimeContext().getMapState(SequenceStateDescriptors.pendingImpressions());
  }

  @Override
  public void processElement(UserState user, Context ctx) throws Exception {
    if (user.sequence() != null) {
      sequence.update(user.sequence());
    }
    for (Map.Entry<Long, long[]> e : user.pending().entrySet()) {
      pending.put(e.getKey(), e.getValue());
    }
    for (long t : user.timers()) {
      ctx.timerService().registerEventTimeTimer(t);
    }
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    sampler =
        context.getOperatorStateStore().getListState(SequenceStateDescriptors.negativeSampler());
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    // One window for the whole history, as one subtask's: after a restore at a parallelism above 1
    // the other subtasks start with empty windows (as SequenceFunction does after a rescale).
    if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
      sampler.update(List.of(samplerWindow));
    } else {
      sampler.update(List.of());
    }
  }
}
