package io.darestream.jobs.config;

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

  public static final ConfigOption<Integer> DEDUP_IDS =
      ConfigOptions.key("dare.sequence.dedup-ids")
          .intType()
          .defaultValue(64)
          .withDescription(
              "How many recent event ids per user are remembered to drop duplicates (replays,"
                  + " producer retries); each costs 8 bytes in every stored sequence. At most"
                  + " 4096.");

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
  private final int dedupIds;
  private final int cacheUsers;

  private SequenceOptions(ReadableConfig c) {
    this.maxLength = Checks.positive(c, MAX_LENGTH);
    this.ttl = Checks.positiveDuration(c, TTL);
    this.dedupIds = Checks.positive(c, DEDUP_IDS);
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

  public int dedupIds() {
    return dedupIds;
  }

  public int cacheUsers() {
    return cacheUsers;
  }
}
