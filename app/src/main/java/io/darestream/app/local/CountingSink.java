package io.darestream.app.local;

import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.SubtaskCounts;
import io.darestream.jobs.ingest.IngestedEvent;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Counts the records of a stream of the job into the {@link RunStats} of a local run in the same
 * JVM: accepted events (with their event time), training samples or cold clicks. The count is
 * checkpointed with the job, so that after a failover or a resumed run every record is counted
 * exactly once: the writer restarts from the count of the checkpoint, and the job re-sends exactly
 * the records after it.
 */
final class CountingSink<T> implements Sink<T>, SupportsWriterState<T, Long> {
  private static final long serialVersionUID = 1L;

  /** Which counter a sink feeds. */
  enum Counter {
    ACCEPTED_EVENTS,
    SAMPLES,
    COLD_CLICKS
  }

  private final String runId;
  private final Counter counter;

  CountingSink(String runId, Counter counter) {
    this.runId = runId;
    this.counter = counter;
  }

  @Override
  public StatefulSinkWriter<T, Long> createWriter(WriterInitContext context) {
    return restoreWriter(context, List.of());
  }

  @Override
  public StatefulSinkWriter<T, Long> restoreWriter(
      WriterInitContext context, Collection<Long> recoveredState) {
    RunStats stats = RunStats.of(runId);
    SubtaskCounts counts =
        switch (counter) {
          case ACCEPTED_EVENTS -> stats.acceptedCounts();
          case SAMPLES -> stats.sampleCounts();
          case COLD_CLICKS -> stats.coldClickCounts();
        };
    AtomicLong count =
        counts.restart(
            context.getTaskInfo().getIndexOfThisSubtask(), CountState.restored(recoveredState));
    return new StatefulSinkWriter<>() {
      @Override
      public void write(T element, Context context) {
        count.incrementAndGet();
        if (element instanceof IngestedEvent e) {
          stats.acceptedEventTime(e.event().getEventTimeMs());
        }
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
  public SimpleVersionedSerializer<Long> getWriterStateSerializer() {
    return CountState.SERIALIZER;
  }
}
