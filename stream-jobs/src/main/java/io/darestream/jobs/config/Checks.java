package io.darestream.jobs.config;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/** Validation of option values, with messages that name the key. */
final class Checks {
  private Checks() {}

  static String notBlank(ReadableConfig c, ConfigOption<String> option) {
    String value = c.get(option);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(option.key() + " must not be empty");
    }
    return value;
  }

  static int positive(ReadableConfig c, ConfigOption<Integer> option) {
    int value = c.get(option);
    if (value <= 0) {
      throw new IllegalArgumentException(option.key() + " must be > 0, got " + value);
    }
    return value;
  }

  static int notNegative(ReadableConfig c, ConfigOption<Integer> option) {
    int value = c.get(option);
    if (value < 0) {
      throw new IllegalArgumentException(option.key() + " must be >= 0, got " + value);
    }
    return value;
  }

  static Duration positiveDuration(ReadableConfig c, ConfigOption<Duration> option) {
    Duration value = c.get(option);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(option.key() + " must be > 0, got " + value);
    }
    return value;
  }

  static Duration notNegativeDuration(ReadableConfig c, ConfigOption<Duration> option) {
    Duration value = c.get(option);
    if (value.isNegative()) {
      throw new IllegalArgumentException(option.key() + " must be >= 0, got " + value);
    }
    return value;
  }
}
