package io.darestream.schemas.validate;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/**
 * Durations written as the job's options write them ({@code "1 d"}, {@code "5 s"}, {@code "10
 * min"}, {@code "200ms"}; a bare number is milliseconds), so that serving reads the same {@code
 * dare.*} values as the job without depending on Flink. Same units as Flink's {@code TimeUtils}.
 */
public final class DurationText {
  private static final Map<String, ChronoUnit> UNITS =
      Map.ofEntries(
          Map.entry("ns", ChronoUnit.NANOS),
          Map.entry("nano", ChronoUnit.NANOS),
          Map.entry("nanos", ChronoUnit.NANOS),
          Map.entry("nanosecond", ChronoUnit.NANOS),
          Map.entry("nanoseconds", ChronoUnit.NANOS),
          Map.entry("us", ChronoUnit.MICROS),
          Map.entry("µs", ChronoUnit.MICROS),
          Map.entry("micro", ChronoUnit.MICROS),
          Map.entry("micros", ChronoUnit.MICROS),
          Map.entry("microsecond", ChronoUnit.MICROS),
          Map.entry("microseconds", ChronoUnit.MICROS),
          Map.entry("ms", ChronoUnit.MILLIS),
          Map.entry("milli", ChronoUnit.MILLIS),
          Map.entry("millis", ChronoUnit.MILLIS),
          Map.entry("millisecond", ChronoUnit.MILLIS),
          Map.entry("milliseconds", ChronoUnit.MILLIS),
          Map.entry("s", ChronoUnit.SECONDS),
          Map.entry("sec", ChronoUnit.SECONDS),
          Map.entry("secs", ChronoUnit.SECONDS),
          Map.entry("second", ChronoUnit.SECONDS),
          Map.entry("seconds", ChronoUnit.SECONDS),
          Map.entry("m", ChronoUnit.MINUTES),
          Map.entry("min", ChronoUnit.MINUTES),
          Map.entry("minute", ChronoUnit.MINUTES),
          Map.entry("minutes", ChronoUnit.MINUTES),
          Map.entry("h", ChronoUnit.HOURS),
          Map.entry("hour", ChronoUnit.HOURS),
          Map.entry("hours", ChronoUnit.HOURS),
          Map.entry("d", ChronoUnit.DAYS),
          Map.entry("day", ChronoUnit.DAYS),
          Map.entry("days", ChronoUnit.DAYS));

  private DurationText() {}

  /**
   * Parses {@code text}: digits, optional white space, an optional unit.
   *
   * @throws IllegalArgumentException naming the text and the accepted form
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a duration must not be empty");
    }
    String t = text.trim().toLowerCase(Locale.ROOT);
    int digits = 0;
    while (digits < t.length() && Character.isDigit(t.charAt(digits))) {
      digits++;
    }
    if (digits == 0 || digits > 18) {
      throw invalid(text);
    }
    long amount = Long.parseLong(t.substring(0, digits));
    String unit = t.substring(digits).trim();
    if (unit.isEmpty()) {
      return Duration.ofMillis(amount);
    }
    ChronoUnit u = UNITS.get(unit);
    if (u == null) {
      throw invalid(text);
    }
    try {
      return Duration.of(amount, u);
    } catch (ArithmeticException e) {
      throw invalid(text);
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "not a duration: '"
            + text
            + "' (expected a whole number and a unit: ms, s, min, h or d, e.g. '1 d')");
  }
}
