package io.darestream.app.local;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A sink of the local run that counts its records into the run's stats in the same JVM, with the
 * count checkpointed with the job: after a failover or a resumed run every record is counted
 * exactly once, because each writer restarts from the count of the checkpoint and the job re-sends
 * exactly the records after it. Subclasses say which counter they feed and what else a record tells
 * the stats.
 */
abstract class CheckpointedCountSink<T> implements Sink<T>, SupportsWriterState<T, Long> {
  private static final long serialVersionUID = 1L;

  /** The local run whose stats the sink feeds ({@code RunStats.of}). */
  final String runId;

  CheckpointedCountSink(String runId) {
    this.runId = runId;
  }

  /** The counter of {@code subtask}, restarted at {@code restored} (the checkpoint's count). */
  abstract AtomicLong restartCount(int subtask, long restored);

  /** What a writer does with each record besides counting it; called once per writer. */
  abstract Consumer<T> recorder();

  @Override
  public final StatefulSinkWriter<T, Long> createWriter(WriterInitContext context) {
    return restoreWriter(context, List.of());
  }

  @Override
  public final StatefulSinkWriter<T, Long> restoreWriter(
      WriterInitContext context, Collection<Long> recoveredState) {
    AtomicLong count =
        restartCount(
            context.getTaskInfo().getIndexOfThisSubtask(), CountState.restored(recoveredState));
    Consumer<T> recorder = recorder();
    return new StatefulSinkWriter<>() {
      @Override
      public void write(T element, Context context) {
        count.incrementAndGet();
        recorder.accept(element);
      }

      @Override
      public List<Long> snapshotState(long checkpointId) {
        return List.of(count.get());
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }

  @Override
  public final SimpleVersionedSerializer<Long> getWriterStateSerializer() {
    return CountState.SERIALIZER;
  }
}
