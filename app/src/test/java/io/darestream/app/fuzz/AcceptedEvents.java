package io.darestream.app.fuzz;

import io.darestream.jobs.ingest.IngestedEvent;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * What the job's ingest stage accepted in one fuzz run, counted per event id by a sink on the job's
 * accepted-events stream (the MiniCluster runs in the harness's JVM), plus the highest task attempt
 * number a writer was opened with: above 0 means the job restarted, and the watermark each sink
 * subtask has seen (the watermark of the ingest subtask it is chained to).
 *
 * <p>Runs are found by id, because Flink serializes the sink and it can only carry the id.
 */
final class AcceptedEvents {
  private static final Map<String, AcceptedEvents> RUNS = new ConcurrentHashMap<>();

  private final Map<String, AtomicInteger> byEventId = new ConcurrentHashMap<>();
  private final AtomicLong total = new AtomicLong();
  private final AtomicInteger maxAttempt = new AtomicInteger();
  private final Map<Integer, Long> watermarkBySubtask = new ConcurrentHashMap<>();
  private final Set<Integer> writingSubtasks = ConcurrentHashMap.newKeySet();

  static AcceptedEvents register(String runId) {
    AcceptedEvents a = new AcceptedEvents();
    if (RUNS.putIfAbsent(runId, a) != null) {
      throw new IllegalStateException("fuzz run " + runId + " exists");
    }
    return a;
  }

  static void unregister(String runId) {
    RUNS.remove(runId);
  }

  private static AcceptedEvents of(String runId) {
    AcceptedEvents a = RUNS.get(runId);
    if (a == null) {
      throw new IllegalStateException("no fuzz run " + runId + " in this JVM");
    }
    return a;
  }

  /** Events accepted so far, duplicates included. */
  long total() {
    return total.get();
  }

  /** How often the job accepted {@code eventId}. */
  int count(String eventId) {
    AtomicInteger n = byEventId.get(eventId);
    return n == null ? 0 : n.get();
  }

  /** Every accepted event id with its count. */
  Map<String, AtomicInteger> counts() {
    return byEventId;
  }

  /** The highest attempt number of the sink's tasks: the number of restarts that reached it. */
  int maxAttempt() {
    return maxAttempt.get();
  }

  /**
   * The lowest watermark among the sink subtasks that accepted an event, {@link Long#MIN_VALUE}
   * while one of them has seen none (or none accepted an event).
   */
  long lowestWatermarkOfWriters() {
    if (writingSubtasks.isEmpty()) {
      return Long.MIN_VALUE;
    }
    long lowest = Long.MAX_VALUE;
    for (int subtask : writingSubtasks) {
      lowest = Math.min(lowest, watermarkBySubtask.getOrDefault(subtask, Long.MIN_VALUE));
    }
    return lowest;
  }

  /** The sink: attach it to the job's accepted events. */
  static Sink<IngestedEvent> sink(String runId) {
    return new CountingSink(runId);
  }

  private static final class CountingSink implements Sink<IngestedEvent> {
    private static final long serialVersionUID = 1L;
    private final String runId;

    CountingSink(String runId) {
      this.runId = runId;
    }

    @Override
    public SinkWriter<IngestedEvent> createWriter(WriterInitContext context) {
      AcceptedEvents a = of(runId);
      a.maxAttempt.accumulateAndGet(context.getTaskInfo().getAttemptNumber(), Math::max);
      int subtask = context.getTaskInfo().getIndexOfThisSubtask();
      return new SinkWriter<>() {
        @Override
        public void write(IngestedEvent e, Context c) {
          a.writingSubtasks.add(subtask);
          a.byEventId
              .computeIfAbsent(e.event().getEventId(), k -> new AtomicInteger())
              .incrementAndGet();
          a.total.incrementAndGet();
        }

        @Override
        public void writeWatermark(Watermark watermark) {
          a.watermarkBySubtask.merge(subtask, watermark.getTimestamp(), Math::max);
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }
}
