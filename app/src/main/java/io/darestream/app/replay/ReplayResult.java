package io.darestream.app.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Exact counts of a finished replay.
 *
 * @param sent events handed to the producer
 * @param acknowledged events the broker acknowledged (equals {@code sent} on success)
 * @param skipped input lines skipped as malformed
 * @param firstSkipReasons why the first of them were skipped ({@code file:line: reason})
 * @param seconds wall-clock time of the replay
 */
public record ReplayResult(
    long sent, long acknowledged, long skipped, List<String> firstSkipReasons, double seconds) {
  public ReplayResult {
    firstSkipReasons = List.copyOf(firstSkipReasons);
  }

  /**
   * The skipped lines to show a user: at most {@code max} of {@link #firstSkipReasons}, each as
   * "skipped file:line: reason", then how many more were skipped.
   */
  public List<String> skipLines(int max) {
    return skipLines(skipped, firstSkipReasons, max);
  }

  /** {@link #skipLines(int)} of a source's counts. */
  public static List<String> skipLines(long skipped, List<String> reasons, int max) {
    List<String> lines = new ArrayList<>();
    int shown = (int) Math.min(Math.min(max, reasons.size()), skipped);
    for (int i = 0; i < shown; i++) {
      lines.add("skipped " + reasons.get(i));
    }
    if (skipped > shown) {
      lines.add(
          String.format(
              Locale.ROOT,
              "%s%,d %sskipped line%s",
              shown > 0 ? "and " : "",
              skipped - shown,
              shown > 0 ? "more " : "",
              skipped - shown == 1 ? "" : "s"));
    }
    return lines;
  }

  /** Average send rate. */
  public double eventsPerSecond() {
    return seconds <= 0 ? 0 : sent / seconds;
  }
}
