package io.darestream.jobs.sequence;

import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.model.TrainingSample;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * Runs a {@link SequenceFunction} with its sequence cache on: the operator can switch the keyed
 * state to another user (which a function cannot), so cached sequences are written back on
 * eviction, in every checkpoint (before the keyed state is snapshot) and at the end of input.
 * Checkpoints therefore hold exactly what a write-through run would hold.
 */
public final class SequenceOperator
    extends KeyedProcessOperator<Long, IngestedEvent, TrainingSample> {
  private static final long serialVersionUID = 1L;

  public SequenceOperator(SequenceFunction function) {
    super(function);
  }

  @Override
  public void open() throws Exception {
    super.open();
    ((SequenceFunction) userFunction)
        .enableCache(
            new SequenceFunction.KeyContext() {
              @Override
              public Object currentKey() {
                return getCurrentKey();
              }

              @Override
              public void setCurrentKey(Object key) {
                SequenceOperator.this.setCurrentKey(key);
              }
            });
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    // Flink snapshots the keyed-state backend after this call, so it sees every change.
    ((SequenceFunction) userFunction).flushCache();
    super.snapshotState(context);
  }

  @Override
  public void finish() throws Exception {
    ((SequenceFunction) userFunction).flushCache();
    super.finish();
  }
}
