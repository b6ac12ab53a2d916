package io.darestream.jobs.config;

import io.darestream.state.sequence.SequenceLimits;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** The per-user behaviour sequence kept in keyed state. */
public final class SequenceOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ConfigOption<Integer> MAX_LENGTH =
      ConfigOptions.key("dare.sequence.max-length")
          .intType()
          .defaultValue(200)
          .withDescription(
              "L_max: behaviours kept per user; the oldest are dropped beyond it. DARE's"
                  + " reference setup uses 200; long-sequence runs use 2,000 to 10,000.");

  public static final ConfigOption<Duration> TTL =
      ConfigOptions.key("dare.sequence.ttl")
          .durationType()
          .defaultValue(Duration.ofDays(30))
          .withDescription(
              "A user's sequence not written for this long (processing time) is dropped from"
                  + " state.");

  public static final ConfigOption<Duration> DEDUP_HORIZON =
      ConfigOptions.key("dare.sequence.dedup-horizon")
          .durationType()
          .defaultValue(Duration.ofMillis(SequenceLimits.DEFAULT_DEDUP_HORIZON_MS))
          .withDescription(
              "Dedup by event id (replays, producer retries): an event whose id was already"
                  + " appended to its user's sequence is dropped while the first one's event time"
                  + " is at most this far behind the user's newest behaviour; beyond it, it may"
                  + " count again. With a horizon of at least max-lateness + out-of-orderness (the"
                  + " default) no event id is appended twice while the user's state lives: older"
                  + " duplicates are refused as too late. Ids cost 8-10 bytes each in the stored"
                  + " sequence, at most 2 L_max + 64 per user. Serving's sequence store uses the"
                  + " same rule.");

  public static final ConfigOption<Integer> CACHE_USERS =
      ConfigOptions.key("dare.sequence.cache-users")
          .intType()
          .defaultValue(20_000)
          .withDescription(
              "Decoded sequences of recently active users kept in memory per subtask (least"
                  + " recently used evicted); changes are written to keyed state on eviction and"
                  + " before each checkpoint instead of on every event. About 7 KB of heap per"
                  + " user at L_max 200. 0 writes every change through.");

  private final int maxLength;
  private final Duration ttl;
  private final Duration dedupHorizon;
  private final int cacheUsers;

  private SequenceOptions(ReadableConfig c) {
    this.maxLength = Checks.positive(c, MAX_LENGTH);
    this.ttl = Checks.positiveDuration(c, TTL);
    this.dedupHorizon = Checks.positiveDuration(c, DEDUP_HORIZON);
    if (dedupHorizon.toMillis() > SequenceLimits.MAX_SPAN_MS) {
      throw new IllegalArgumentException(DEDUP_HORIZON.key() + " must be < 2^60 ms");
    }
    this.cacheUsers = Checks.notNegative(c, CACHE_USERS);
  }

  /** Reads and checks the options from {@code config}. */
  public static SequenceOptions from(ReadableConfig config) {
    return new SequenceOptions(config);
  }

  public int maxLength() {
    return maxLength;
  }

  public Duration ttl() {
    return ttl;
  }

  public Duration dedupHorizon() {
    return dedupHorizon;
  }

  public int cacheUsers() {
    return cacheUsers;
  }
}
