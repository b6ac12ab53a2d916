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
              "CLICK_ONLY mode: negatives sampled per positive, by item frequency among the"
                  + " sampler window's recent behaviours.");

  public static final ConfigOption<Integer> SAMPLER_WINDOW =
      ConfigOptions.key("dare.label.sampler-window")
          .intType()
          .defaultValue(100_000)
          .withDescription(
              "CLICK_ONLY mode: recent behaviours (per sequence subtask) that negatives are drawn"
                  + " from and that decide whether an item is warm; checkpointed. A restore with"
                  + " another size starts with an empty window.");

  public static final ConfigOption<Integer> WARM_MIN_COUNT =
      ConfigOptions.key("dare.label.warm-min-count")
          .intType()
          .defaultValue(1)
          .withDescription(
              "CLICK_ONLY mode: a behaviour is a positive only if its item occurs at least this"
                  + " often in the sampler window before it (warm), and negatives must too; cold"
                  + " behaviours still enter the history and the window and are counted (metric"
                  + " coldClicks). Without it a never-seen item (an untrained row) gives a"
                  + " positive away: AUC 0.98 on a structureless stream of 4,000,000 items, and"
                  + " serving prefers cold items. From 1, negatives are also matched on novelty"
                  + " (items already made positive samples for a click on such an item, others for"
                  + " the rest) and a click without such negatives is cold too. 0 labels every"
                  + " behaviour.");

  public static final ConfigOption<Boolean> NEGATIVES_EXCLUDE_HISTORY =
      ConfigOptions.key("dare.label.negatives-exclude-history")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "CLICK_ONLY mode: whether sampled negatives exclude every item of the user's"
                  + " history (else only the clicked item). Excluding them makes a target found in"
                  + " the history a sure sign of a positive: on a structureless stream of 200"
                  + " items, AUC 0.55 instead of 0.50. DARE's exact-match terms learn that sign"
                  + " outright: keep this off.");

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
  private final int samplerWindow;
  private final int warmMinCount;
  private final boolean negativesExcludeHistory;
  private final long samplerSeed;

  private LabelOptions(ReadableConfig c) {
    this.mode = c.get(MODE);
    this.attributionWindow = Checks.positiveDuration(c, ATTRIBUTION_WINDOW);
    this.negativeRatio = Checks.notNegative(c, NEGATIVE_RATIO);
    this.samplerWindow = Checks.positive(c, SAMPLER_WINDOW);
    this.warmMinCount = Checks.notNegative(c, WARM_MIN_COUNT);
    if (warmMinCount > samplerWindow) {
      throw new IllegalArgumentException(
          WARM_MIN_COUNT.key()
              + " must be <= "
              + SAMPLER_WINDOW.key()
              + " ("
              + samplerWindow
              + "), got "
              + warmMinCount
              + ": no item could ever be warm");
    }
    this.negativesExcludeHistory = c.get(NEGATIVES_EXCLUDE_HISTORY);
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

  public int samplerWindow() {
    return samplerWindow;
  }

  public int warmMinCount() {
    return warmMinCount;
  }

  public boolean negativesExcludeHistory() {
    return negativesExcludeHistory;
  }

  public long samplerSeed() {
    return samplerSeed;
  }
}
