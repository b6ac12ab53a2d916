package io.darestream.app.pretrain;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Parses the event time a history is cut at ({@code --until}). */
public final class EventTime {
  private EventTime() {}

  /**
   * {@code all} (the whole history), an ISO-8601 instant ({@code 2017-12-01T00:00:00Z}), a date
   * (its midnight, UTC) or epoch milliseconds.
   *
   * @return epoch milliseconds; {@link Long#MAX_VALUE} for {@code all}
   * @throws IllegalArgumentException if {@code text} is none of these
   */
  public static long parse(String text) {
    String t = text.trim();
    if (t.toLowerCase(Locale.ROOT).equals("all")) {
      return Long.MAX_VALUE;
    }
    if (t.chars().allMatch(Character::isDigit) && !t.isEmpty()) {
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("time " + text + " is out of range");
      }
    }
    try {
      return Instant.parse(t).toEpochMilli();
    } catch (DateTimeParseException notInstant) {
      try {
        return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      } catch (DateTimeParseException notDate) {
        throw new IllegalArgumentException(
            "time "
                + text
                + " is not 'all', an instant (2017-12-01T00:00:00Z), a date (2017-12-01) or epoch"
                + " milliseconds");
      }
    }
  }
}
