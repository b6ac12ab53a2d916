package io.darestream.jobs.config;

import io.darestream.schemas.validate.EventPolicy;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Event-time handling of the ingest stage: watermarks, the plausibility window and id ranges. They
 * make the {@link EventPolicy} that serving's behaviour feed also applies (from the same keys), so
 * both accept the same events.
 */
public final class IngestOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
      ConfigOptions.key(EventPolicy.OUT_OF_ORDERNESS_KEY)
          .durationType()
          .defaultValue(Duration.ofMillis(EventPolicy.DEFAULT_OUT_OF_ORDERNESS_MS))
          .withDescription(
              "Bounded out-of-orderness of the watermark: how far behind the newest event time"
                  + " an event may arrive and still be placed in order.");

  public static final ConfigOption<Duration> IDLENESS =
      ConfigOptions.key(EventPolicy.IDLENESS_KEY)
          .durationType()
          .defaultValue(Duration.ofMillis(EventPolicy.DEFAULT_IDLENESS_MS))
          .withDescription(
              "A Kafka partition without records for this long stops holding the watermark back.");

  public static final ConfigOption<Duration> MAX_LATENESS =
      ConfigOptions.key(EventPolicy.MAX_LATENESS_KEY)
          .durationType()
          .defaultValue(Duration.ofMillis(EventPolicy.DEFAULT_MAX_LATENESS_MS))
          .withDescription(
              "Events whose time is further than this behind the current watermark go to the"
                  + " dead-letter topic (LATE_EVENT): they cannot be ordered into the sequence and"
                  + " their labels were settled long ago. An accepted event is placed in its"
                  + " user's sequence if it is at most max-lateness + out-of-orderness behind that"
                  + " user's newest behaviour.");

  public static final ConfigOption<Duration> MAX_FUTURE =
      ConfigOptions.key(EventPolicy.MAX_FUTURE_KEY)
          .durationType()
          .defaultValue(Duration.ofMillis(EventPolicy.DEFAULT_MAX_FUTURE_MS))
          .withDescription(
              "Events whose time is further than this ahead of their Kafka record's timestamp"
                  + " (capped by the wall clock) go to the dead-letter topic (FUTURE_EVENT). An"
                  + " accepted event moves the watermark at most up to its record's timestamp, so"
                  + " events stamped ahead of the present never walk the watermark forward. The"
                  + " record's timestamp keeps replays of old data valid and makes a re-read of the"
                  + " topic decide as the live run did.");

  public static final ConfigOption<Long> MAX_ID =
      ConfigOptions.key(EventPolicy.MAX_ID_KEY)
          .longType()
          .defaultValue(EventPolicy.DEFAULT_MAX_ID)
          .withDescription(
              "Largest accepted user, item and category id (2^53 - 1, the largest integer a JSON"
                  + " number carries exactly); events with a larger id go to the dead-letter topic"
                  + " (ID_OUT_OF_RANGE), negative ones as INVALID_FIELD. Every id makes a row in the"
                  + " trainer, its store, snapshots and serving.");

  private final Duration outOfOrderness;
  private final Duration idleness;
  private final Duration maxLateness;
  private final Duration maxFuture;
  private final EventPolicy policy;

  private IngestOptions(ReadableConfig c) {
    this.outOfOrderness = Checks.notNegativeDuration(c, OUT_OF_ORDERNESS);
    this.idleness = Checks.positiveDuration(c, IDLENESS);
    this.maxLateness = Checks.positiveDuration(c, MAX_LATENESS);
    this.maxFuture = Checks.positiveDuration(c, MAX_FUTURE);
    long maxId = c.get(MAX_ID);
    if (maxId <= 0) {
      throw new IllegalArgumentException(MAX_ID.key() + " must be > 0, got " + maxId);
    }
    this.policy =
        EventPolicy.builder()
            .optMaxLatenessMs(maxLateness.toMillis())
            .optMaxFutureMs(maxFuture.toMillis())
            .optOutOfOrdernessMs(outOfOrderness.toMillis())
            .optIdlenessMs(idleness.toMillis())
            .optMaxId(maxId)
            .build();
  }

  /** Reads and checks the options from {@code config}. */
  public static IngestOptions from(ReadableConfig config) {
    return new IngestOptions(config);
  }

  public Duration outOfOrderness() {
    return outOfOrderness;
  }

  public Duration idleness() {
    return idleness;
  }

  public Duration maxLateness() {
    return maxLateness;
  }

  public Duration maxFuture() {
    return maxFuture;
  }

  /** The event policy these options make; serving builds the same one from the same keys. */
  public EventPolicy policy() {
    return policy;
  }
}
