package io.darestream.jobs.config;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** How training labels are derived from the event stream. */
public final class LabelOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ConfigOption<LabelMode> MODE =
      ConfigOptions.key("dare.label.mode")
          .enumType(LabelMode.class)
          .defaultValue(LabelMode.CLICK_ONLY)
          .withDescription(
              "IMPRESSION: impressions are samples, labelled by a click within the attribution"
                  + " window. CLICK_ONLY (Taobao, MovieLens): each click-like behaviour is a"
                  + " positive, with sampled negatives.");

  public static final ConfigOption<Duration> ATTRIBUTION_WINDOW =
      ConfigOptions.key("dare.label.attribution-window")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "IMPRESSION mode: event time an impression waits for its click before it becomes"
                  + " a negative.");

  public static final ConfigOption<Integer> NEGATIVE_RATIO =
      ConfigOptions.key("dare.label.negative-ratio")
          .intType()
          .defaultValue(1)
          .withDescription(
              "CLICK_ONLY mode: negatives sampled (by item frequency, excluding the user's"
                  + " history) per positive.");

  public static final ConfigOption<Long> SAMPLER_SEED =
      ConfigOptions.key("dare.label.sampler-seed")
          .longType()
          .defaultValue(42L)
          .withDescription(
              "Seed of the negative sampler; with the user and event it makes sampling"
                  + " reproducible across restarts.");

  /** How samples and labels are made. */
  public enum LabelMode {
    IMPRESSION,
    CLICK_ONLY
  }

  private final LabelMode mode;
  private final Duration attributionWindow;
  private final int negativeRatio;
  private final long samplerSeed;

  private LabelOptions(ReadableConfig c) {
    this.mode = c.get(MODE);
    this.attributionWindow = Checks.positiveDuration(c, ATTRIBUTION_WINDOW);
    this.negativeRatio = Checks.notNegative(c, NEGATIVE_RATIO);
    this.samplerSeed = c.get(SAMPLER_SEED);
  }

  /** Reads and checks the options from {@code config}. */
  public static LabelOptions from(ReadableConfig config) {
    return new LabelOptions(config);
  }

  public LabelMode mode() {
    return mode;
  }

  public Duration attributionWindow() {
    return attributionWindow;
  }

  public int negativeRatio() {
    return negativeRatio;
  }

  public long samplerSeed() {
    return samplerSeed;
  }
}
