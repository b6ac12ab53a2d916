package io.darestream.app.local;

import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.SubtaskCounts;
import io.darestream.jobs.ingest.IngestedEvent;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Counts the records of a stream of the job into the {@link RunStats} of a local run in the same
 * JVM: accepted events (with their event time), refused events, training samples or cold clicks,
 * checkpointed with the job (see {@link CheckpointedCountSink}).
 */
final class CountingSink<T> extends CheckpointedCountSink<T> {
  private static final long serialVersionUID = 1L;

  /** Which counter a sink feeds. */
  enum Counter {
    ACCEPTED_EVENTS,
    SAMPLES,
    COLD_CLICKS,
    REFUSED_EVENTS
  }

  private final Counter counter;

  CountingSink(String runId, Counter counter) {
    super(runId);
    this.counter = counter;
  }

  @Override
  AtomicLong restartCount(int subtask, long restored) {
    RunStats stats = RunStats.of(runId);
    SubtaskCounts counts =
        switch (counter) {
          case ACCEPTED_EVENTS -> stats.acceptedCounts();
          case SAMPLES -> stats.sampleCounts();
          case COLD_CLICKS -> stats.coldClickCounts();
          case REFUSED_EVENTS -> stats.refusedCounts();
        };
    return counts.restart(subtask, restored);
  }

  @Override
  Consumer<T> recorder() {
    RunStats stats = RunStats.of(runId);
    return element -> {
      if (element instanceof IngestedEvent e) {
        stats.acceptedEventTime(e.event().getEventTimeMs());
      }
    };
  }
}
