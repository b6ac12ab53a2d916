package io.darestream.schemas.validate;

import io.darestream.schemas.avro.BehaviorEvent;
import java.io.Serializable;
import java.util.Optional;

/**
 * The one validation policy for behaviour events: field checks, id ranges, and the time checks
 * against a stream clock. The Flink job (ingest gate and watermarks) and serving's behaviour feed
 * both build it from the same {@code dare.ingest.*} settings, so that they accept the same events
 * and a user's history in serving equals the trainer's.
 *
 * <p>The time rule, exactly:
 *
 * <ul>
 *   <li>A record's <b>reference time</b> is its Kafka timestamp capped by the wall clock ({@link
 *       #referenceTime}); the wall clock only when the record has none. The reference is a property
 *       of the record, so a replay of the topic (the job after a fresh start, serving rebuilding
 *       its store) decides as the live run did.
 *   <li><b>Future</b>: an event more than {@code maxFuture} ahead of its reference time is refused
 *       ({@link Violation#FUTURE_EVENT}).
 *   <li><b>Clock</b>: an accepted event advances the stream clock to at most its reference time: it
 *       contributes {@code min(eventTime, reference)} ({@link #clockContribution}). An event
 *       stamped ahead of the wall clock, even when accepted, therefore never moves the watermark
 *       (the job's) or the clock (serving's) past the present, and a chain of such events cannot
 *       walk it forward. The watermark is {@code clock - outOfOrderness - 1} ({@link #watermark}).
 *   <li><b>Late</b>: an event more than {@code maxLateness} behind the watermark is refused ({@link
 *       Violation#LATE_EVENT}).
 *   <li><b>Per user</b>: an accepted event is placed in its user's sequence if it is at most {@link
 *       #maxOutOfOrderMs()} ({@code maxLateness + outOfOrderness}) behind that user's newest
 *       behaviour.
 * </ul>
 *
 * <p>Ids: user, item and category ids must lie in {@code [0, maxId]} ({@link
 * Violation#ID_OUT_OF_RANGE} above it); by default {@code maxId} is 2^53 - 1, the largest integer a
 * JSON number carries exactly.
 */
public final class EventPolicy implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Key of {@link Builder#optMaxLatenessMs}; the job's {@code IngestOptions} uses it too. */
  public static final String MAX_LATENESS_KEY = "dare.ingest.max-lateness";

  /** Key of {@link Builder#optMaxFutureMs}. */
  public static final String MAX_FUTURE_KEY = "dare.ingest.max-future";

  /** Key of {@link Builder#optOutOfOrdernessMs}. */
  public static final String OUT_OF_ORDERNESS_KEY = "dare.ingest.out-of-orderness";

  /** Key of {@link Builder#optIdlenessMs}. */
  public static final String IDLENESS_KEY = "dare.ingest.idleness";

  /** Key of {@link Builder#optMaxId}. */
  public static final String MAX_ID_KEY = "dare.ingest.max-id";

  /** Default of {@link #MAX_LATENESS_KEY}: one day. */
  public static final long DEFAULT_MAX_LATENESS_MS = 86_400_000L;

  /** Default of {@link #MAX_FUTURE_KEY}: one day. */
  public static final long DEFAULT_MAX_FUTURE_MS = 86_400_000L;

  /** Default of {@link #OUT_OF_ORDERNESS_KEY}: five seconds. */
  public static final long DEFAULT_OUT_OF_ORDERNESS_MS = 5_000L;

  /** Default of {@link #IDLENESS_KEY}: thirty seconds. */
  public static final long DEFAULT_IDLENESS_MS = 30_000L;

  /** Default of {@link #MAX_ID_KEY}: 2^53 - 1. */
  public static final long DEFAULT_MAX_ID = (1L << 53) - 1;

  private final long maxLatenessMs;
  private final long maxFutureMs;
  private final long outOfOrdernessMs;
  private final long idlenessMs;
  private final long maxId;

  private EventPolicy(Builder b) {
    this.maxLatenessMs = b.maxLatenessMs;
    this.maxFutureMs = b.maxFutureMs;
    this.outOfOrdernessMs = b.outOfOrdernessMs;
    this.idlenessMs = b.idlenessMs;
    this.maxId = b.maxId;
  }

  /** The policy with every default. */
  public static EventPolicy defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The reference time of a record: its Kafka timestamp capped by the wall clock, or the wall clock
   * when it has none ({@code kafkaTimestampMs < 0}). A forged timestamp can only make the record
   * look later than it is, never let a future event in.
   */
  public static long referenceTime(long kafkaTimestampMs, long wallClockMs) {
    return kafkaTimestampMs < 0 ? wallClockMs : Math.min(kafkaTimestampMs, wallClockMs);
  }

  /** The first problem of {@code event} that needs no clock (fields, type, id ranges), or empty. */
  public Optional<Violation> checkFields(BehaviorEvent event) {
    Optional<Violation> v = EventValidator.validate(event);
    if (v.isPresent()) {
      return v;
    }
    if (event.getUserId() > maxId) {
      return idTooLarge("user_id", event.getUserId());
    }
    if (event.getItemId() > maxId) {
      return idTooLarge("item_id", event.getItemId());
    }
    if (event.getCategoryId() > maxId) {
      return idTooLarge("category_id", event.getCategoryId());
    }
    return Optional.empty();
  }

  /**
   * The first violation of {@code event}, or empty if it is accepted.
   *
   * @param watermark the stream's watermark ({@link Long#MIN_VALUE} before the first)
   * @param referenceMs the record's {@link #referenceTime}
   */
  public Optional<Violation> check(BehaviorEvent event, long watermark, long referenceMs) {
    Optional<Violation> v = checkFields(event);
    if (v.isPresent()) {
      return v;
    }
    long time = event.getEventTimeMs();
    if (isLate(time, watermark)) {
      return Optional.of(
          new Violation(
              Violation.LATE_EVENT,
              String.format(
                  "event_time_ms %d is %d ms behind the watermark %d (at most %d accepted)",
                  time, watermark - time, watermark, maxLatenessMs)));
    }
    if (isFuture(time, referenceMs)) {
      return Optional.of(
          new Violation(
              Violation.FUTURE_EVENT,
              String.format(
                  "event_time_ms %d is %d ms ahead of the record's time %d (at most %d accepted)",
                  time, time - referenceMs, referenceMs, maxFutureMs)));
    }
    return Optional.empty();
  }

  /** True if {@code timeMs} is more than the allowed lateness behind {@code watermark}. */
  public boolean isLate(long timeMs, long watermark) {
    return watermark != Long.MIN_VALUE && timeMs < watermark - maxLatenessMs;
  }

  /** True if {@code timeMs} is more than the allowed margin ahead of {@code referenceMs}. */
  public boolean isFuture(long timeMs, long referenceMs) {
    return timeMs > referenceMs && timeMs - referenceMs > maxFutureMs;
  }

  /**
   * Whether an event may move the stream clock: its fields are valid and it is not from the future.
   * (A late one may too: it is behind the clock and changes nothing.)
   */
  public boolean advancesClock(BehaviorEvent event, long referenceMs) {
    return checkFields(event).isEmpty() && !isFuture(event.getEventTimeMs(), referenceMs);
  }

  /** What an accepted event at {@code eventTimeMs} contributes to the stream clock. */
  public long clockContribution(long eventTimeMs, long referenceMs) {
    return Math.min(eventTimeMs, referenceMs);
  }

  /** The watermark of a stream clock ({@link Long#MIN_VALUE}: nothing seen yet). */
  public long watermark(long clockMs) {
    return clockMs == Long.MIN_VALUE ? Long.MIN_VALUE : clockMs - outOfOrdernessMs - 1;
  }

  /**
   * How far behind a user's newest behaviour an accepted event may still be placed in the user's
   * sequence: the lateness the stream allows plus its out-of-orderness.
   */
  public long maxOutOfOrderMs() {
    return maxLatenessMs + outOfOrdernessMs;
  }

  public long maxLatenessMs() {
    return maxLatenessMs;
  }

  public long maxFutureMs() {
    return maxFutureMs;
  }

  public long outOfOrdernessMs() {
    return outOfOrdernessMs;
  }

  public long idlenessMs() {
    return idlenessMs;
  }

  public long maxId() {
    return maxId;
  }

  @Override
  public String toString() {
    return "EventPolicy{maxLatenessMs="
        + maxLatenessMs
        + ", maxFutureMs="
        + maxFutureMs
        + ", outOfOrdernessMs="
        + outOfOrdernessMs
        + ", idlenessMs="
        + idlenessMs
        + ", maxId="
        + maxId
        + "}";
  }

  private Optional<Violation> idTooLarge(String field, long value) {
    return Optional.of(
        new Violation(
            Violation.ID_OUT_OF_RANGE,
            field
                + " "
                + value
                + " is above the largest accepted id "
                + maxId
                + " ("
                + MAX_ID_KEY
                + ")"));
  }

  /** Builds an {@link EventPolicy}; every setting is optional and checked in {@link #build()}. */
  public static final class Builder {
    private long maxLatenessMs = DEFAULT_MAX_LATENESS_MS;
    private long maxFutureMs = DEFAULT_MAX_FUTURE_MS;
    private long outOfOrdernessMs = DEFAULT_OUT_OF_ORDERNESS_MS;
    private long idlenessMs = DEFAULT_IDLENESS_MS;
    private long maxId = DEFAULT_MAX_ID;

    private Builder() {}

    /** Events further behind the watermark are late. */
    public Builder optMaxLatenessMs(long ms) {
      this.maxLatenessMs = ms;
      return this;
    }

    /** Events further ahead of their record's reference time are from the future. */
    public Builder optMaxFutureMs(long ms) {
      this.maxFutureMs = ms;
      return this;
    }

    /** How far the watermark trails the stream clock. */
    public Builder optOutOfOrdernessMs(long ms) {
      this.outOfOrdernessMs = ms;
      return this;
    }

    /** A partition silent for this long (wall clock) stops holding the watermark back. */
    public Builder optIdlenessMs(long ms) {
      this.idlenessMs = ms;
      return this;
    }

    /** Largest accepted user, item and category id. */
    public Builder optMaxId(long maxId) {
      this.maxId = maxId;
      return this;
    }

    public EventPolicy build() {
      positive(MAX_LATENESS_KEY, maxLatenessMs);
      positive(MAX_FUTURE_KEY, maxFutureMs);
      positive(IDLENESS_KEY, idlenessMs);
      positive(MAX_ID_KEY, maxId);
      if (outOfOrdernessMs < 0) {
        throw new IllegalArgumentException(
            OUT_OF_ORDERNESS_KEY + " must be >= 0, got " + outOfOrdernessMs);
      }
      if (maxLatenessMs > Long.MAX_VALUE / 4 || outOfOrdernessMs > Long.MAX_VALUE / 4) {
        throw new IllegalArgumentException("lateness and out-of-orderness must be < 2^61 ms");
      }
      return new EventPolicy(this);
    }

    private static void positive(String key, long value) {
      if (value <= 0) {
        throw new IllegalArgumentException(key + " must be > 0, got " + value);
      }
    }
  }
}
