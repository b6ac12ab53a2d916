package io.darestream.app.replay;

/**
 * Exact counts of a finished replay.
 *
 * @param sent events handed to the producer
 * @param acknowledged events the broker acknowledged (equals {@code sent} on success)
 * @param skipped input lines skipped as malformed
 * @param seconds wall-clock time of the replay
 */
public record ReplayResult(long sent, long acknowledged, long skipped, double seconds) {
  /** Average send rate. */
  public double eventsPerSecond() {
    return seconds <= 0 ? 0 : sent / seconds;
  }
}
