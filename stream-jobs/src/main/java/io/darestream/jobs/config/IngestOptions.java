package io.darestream.jobs.config;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Event-time handling of the ingest stage: watermarks and the plausibility window. */
public final class IngestOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
      ConfigOptions.key("dare.ingest.out-of-orderness")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription(
              "Bounded out-of-orderness of the watermark: how far behind the newest event time"
                  + " an event may arrive and still be placed in order.");

  public static final ConfigOption<Duration> IDLENESS =
      ConfigOptions.key("dare.ingest.idleness")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription(
              "A Kafka partition without records for this long stops holding the watermark back.");

  public static final ConfigOption<Duration> MAX_LATENESS =
      ConfigOptions.key("dare.ingest.max-lateness")
          .durationType()
          .defaultValue(Duration.ofDays(1))
          .withDescription(
              "Events whose time is further than this behind the current watermark go to the"
                  + " dead-letter topic (LATE_EVENT): they cannot be ordered into the sequence and"
                  + " their labels were settled long ago.");

  public static final ConfigOption<Duration> MAX_FUTURE =
      ConfigOptions.key("dare.ingest.max-future")
          .durationType()
          .defaultValue(Duration.ofDays(1))
          .withDescription(
              "Events whose time is further than this ahead of both the current watermark and the"
                  + " wall clock go to the dead-letter topic (FUTURE_EVENT), and never advance the"
                  + " watermark. The wall clock keeps replays of old data with long gaps valid.");

  private final Duration outOfOrderness;
  private final Duration idleness;
  private final Duration maxLateness;
  private final Duration maxFuture;

  private IngestOptions(ReadableConfig c) {
    this.outOfOrderness = Checks.notNegativeDuration(c, OUT_OF_ORDERNESS);
    this.idleness = Checks.positiveDuration(c, IDLENESS);
    this.maxLateness = Checks.positiveDuration(c, MAX_LATENESS);
    this.maxFuture = Checks.positiveDuration(c, MAX_FUTURE);
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
}
