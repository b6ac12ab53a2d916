package io.darestream.serving.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The log of skipped records, bounded: within each interval the first few records of each topic and
 * reason are logged in full, the rest only counted, and when the interval is over one summary line
 * gives those counts. A flood of 100,000 forged records then writes a few dozen lines instead of
 * 100,000, and an operator still sees examples of every reason. The exact counts are always in
 * {@code serving_records_bad_total}.
 *
 * <p>Thread-safe: the feeds' tailer threads share one.
 */
final class BadRecordLog {
  /** Records logged in full per topic and reason within one interval. */
  static final int FULL_PER_REASON = 5;

  /** Length of an interval: at most one summary line per interval. */
  static final long INTERVAL_MS = 60_000;

  private final int fullPerReason;
  private final long intervalMs;
  private final LongSupplier clockMs;
  private final Consumer<String> sink;
  private final Map<String, Integer> shown = new HashMap<>();
  private final Map<String, Long> unlogged = new TreeMap<>();
  private long intervalStartMs;
  private boolean started;

  /**
   * @param sink writes one log line (a WARN in production)
   */
  BadRecordLog(int fullPerReason, long intervalMs, LongSupplier clockMs, Consumer<String> sink) {
    if (fullPerReason < 1 || intervalMs < 1) {
      throw new IllegalArgumentException(
          "fullPerReason and intervalMs must be >= 1, got " + fullPerReason + ", " + intervalMs);
    }
    this.fullPerReason = fullPerReason;
    this.intervalMs = intervalMs;
    this.clockMs = clockMs;
    this.sink = sink;
  }

  /**
   * Logs (or counts for the summary) one skipped record.
   *
   * @param where the record's position, e.g. {@code behavior-events-0@42}
   */
  synchronized void skipped(String topic, String reason, String where, String message) {
    rollIfDue(clockMs.getAsLong());
    String key = topic + " " + reason;
    int n = shown.merge(key, 1, Integer::sum);
    if (n <= fullPerReason) {
      String more =
          n == fullPerReason ? " (further " + key + " records are only counted this minute)" : "";
      sink.accept("Skipped " + where + " [" + reason + "]: " + message + more);
    } else {
      unlogged.merge(key, 1L, Long::sum);
    }
  }

  /**
   * Writes the summary of an interval that is over. The feeds call it after every poll, so the
   * counts of a flood that has stopped are written too, not only when the next bad record comes.
   */
  synchronized void flushIfDue() {
    if (started) {
      rollIfDue(clockMs.getAsLong());
    }
  }

  private void rollIfDue(long now) {
    if (!started) {
      started = true;
      intervalStartMs = now;
      return;
    }
    if (now - intervalStartMs < intervalMs) {
      return;
    }
    if (!unlogged.isEmpty()) {
      long total = unlogged.values().stream().mapToLong(Long::longValue).sum();
      StringBuilder line =
          new StringBuilder(
              String.format(
                  "Skipped %,d more bad records in the last %,d s without logging each:",
                  total, (now - intervalStartMs) / 1_000));
      unlogged.forEach((key, count) -> line.append(String.format(" %s=%,d;", key, count)));
      sink.accept(line.append(" totals in serving_records_bad_total").toString());
    }
    unlogged.clear();
    shown.clear();
    intervalStartMs = now;
  }
}
