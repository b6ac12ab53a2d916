package io.darestream.schemas.validate;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.util.Optional;

/**
 * Field checks every {@link BehaviorEvent} must pass before it enters a sequence. Time checks
 * against the stream's watermark need the stream and live in the job; these need only the event.
 */
public final class EventValidator {
  /** Longest accepted event id; ids are hashed for dedup, but unbounded keys are a mistake. */
  public static final int MAX_EVENT_ID_LENGTH = 256;

  /**
   * 1990-01-01T00:00:00Z: an event time before this is a unit error (today's epoch seconds read as
   * ms fall in January 1970). Not later: MovieLens has real ratings from 1996.
   */
  public static final long MIN_EVENT_TIME_MS = 631_152_000_000L;

  private EventValidator() {}

  /** The first violation of {@code event}, or empty if it is valid. */
  public static Optional<Violation> validate(BehaviorEvent event) {
    String id = event.getEventId();
    if (id == null || id.isBlank()) {
      return invalid("event_id is empty");
    }
    if (id.length() > MAX_EVENT_ID_LENGTH) {
      return invalid(
          "event_id is " + id.length() + " characters long, at most " + MAX_EVENT_ID_LENGTH);
    }
    if (!wellFormed(id)) {
      // Encoded as UTF-8 a lone surrogate becomes '?', and bytes that were not UTF-8 decode to
      // U+FFFD: distinct ids would collapse into one and dedup would drop the later event.
      return invalid("event_id is not well-formed Unicode (a lone surrogate or a U+FFFD)");
    }
    if (event.getUserId() < 0) {
      return invalid("user_id is negative: " + event.getUserId());
    }
    if (event.getItemId() < 0) {
      return invalid("item_id is negative: " + event.getItemId());
    }
    if (event.getCategoryId() < 0) {
      return invalid("category_id is negative: " + event.getCategoryId());
    }
    if (event.getType() == null || event.getType() == BehaviorType.UNKNOWN) {
      return Optional.of(
          new Violation(
              Violation.UNKNOWN_TYPE,
              "type is not one of IMPRESSION, CLICK, PV, CART, FAV, BUY (event " + id + ")"));
    }
    if (event.getEventTimeMs() < MIN_EVENT_TIME_MS) {
      return invalid(
          "event_time_ms "
              + event.getEventTimeMs()
              + " is before 1990-01-01; event times are epoch milliseconds");
    }
    return Optional.empty();
  }

  /** True if {@code s} has no unpaired surrogate and no replacement character. */
  static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\uFFFD') {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static Optional<Violation> invalid(String message) {
    return Optional.of(new Violation(Violation.INVALID_FIELD, message));
  }
}
