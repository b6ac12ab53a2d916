package io.darestream.app.replay;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Short human forms of counts, rates, durations and event times for progress lines. */
public final class Units {
  private static final DateTimeFormatter EVENT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Units() {}

  /** 950, 12.3k, 4.56M. */
  public static String count(double n) {
    if (Math.abs(n) < 1_000) {
      return String.format(Locale.ROOT, "%.0f", n);
    } else if (Math.abs(n) < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fk", n / 1e3);
    }
    return String.format(Locale.ROOT, "%.2fM", n / 1e6);
  }

  /** 42s, 3m05s, 2h10m; "?" when unknown (negative or not finite). */
  public static String duration(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "?";
    }
    long s = Math.round(seconds);
    if (s < 60) {
      return s + "s";
    } else if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }

  /** Seconds left for {@code remaining} units at {@code ratePerSecond}; NaN when unknown. */
  public static double eta(double remaining, double ratePerSecond) {
    return remaining < 0 || ratePerSecond <= 0 ? Double.NaN : remaining / ratePerSecond;
  }

  /** Event time in UTC, minute precision. */
  public static String eventTime(long epochMs) {
    return EVENT_TIME.format(Instant.ofEpochMilli(epochMs));
  }
}
