package io.darestream.app.local;

import io.darestream.app.stats.RunStats;
import io.darestream.jobs.ingest.IngestedEvent;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Counts the records of a stream of the job into the {@link RunStats} of a local run in the same
 * JVM: accepted events (with their event time) or training samples.
 */
final class CountingSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;

  /** Which counter a sink feeds. */
  enum Counter {
    ACCEPTED_EVENTS,
    SAMPLES
  }

  private final String runId;
  private final Counter counter;

  CountingSink(String runId, Counter counter) {
    this.runId = runId;
    this.counter = counter;
  }

  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) {
    RunStats stats = RunStats.of(runId);
    return new SinkWriter<>() {
      @Override
      public void write(T element, Context context) {
        if (counter == Counter.ACCEPTED_EVENTS) {
          if (element instanceof IngestedEvent e) {
            stats.acceptedEvent(e.event().getEventTimeMs());
          } else {
            stats.acceptedEvent();
          }
        } else {
          stats.sampleProduced();
        }
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }
}
