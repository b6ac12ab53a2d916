package io.darestream.schemas.generator;

import io.darestream.schemas.validate.EventValidator;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the synthetic stream: sizes, the planted structure and the clock. Build with {@link
 * #builder()}: {@code set...} for the required sizes, {@code opt...} for the rest; {@link
 * Builder#build()} checks every value and names each one that is missing or out of range.
 */
public final class GeneratorConfig {
  /** Most behaviours one user may have (the longest sequence the model is measured on). */
  public static final int MAX_BEHAVIORS_PER_USER = 10_000;

  /** 2017-11-25T00:00:00Z, the first day of Taobao UserBehavior. */
  public static final long DEFAULT_START_TIME_MS = 1_511_568_000_000L;

  /** Nine days, the span of Taobao UserBehavior. */
  public static final long DEFAULT_SPAN_MS = 9L * 24 * 3600 * 1000;

  /**
   * A realistic spread of item quality, in log-odds (the std of an item's click log-odds offset):
   * per-movie log-odds of "liked (4 stars or more) once rated" in MovieLens latest-small have a
   * true spread of 0.7 to 0.8 once the binomial noise is removed (movies with at least 20 to 100
   * ratings), 0.6 to 0.75 within one genre; display-ad click-through rates spread about as far
   * (roughly 5x to 10x between the 10th and the 90th percentile). Not the default: 0 keeps every
   * stream made before this setting event for event.
   */
  public static final double REALISTIC_QUALITY_SPREAD = 0.8;

  /** The largest quality spread accepted (log-odds std). */
  public static final double MAX_QUALITY_SPREAD = 5;

  /**
   * A taste strength at which a user's side of a topic decides most of the click: organic clicks on
   * an interest topic are on the preferred side 90 % of the time, and an impression from the other
   * side is clicked at a fifth of the preferred side's rate above the off-topic one.
   */
  public static final double STRONG_TASTE = 0.8;

  private final int users;
  private final int items;
  private final int behaviorsPerUser;
  private final int categories;
  private final int topics;
  private final int interestsPerUser;
  private final GeneratorMode mode;
  private final int impressionsPerUser;
  private final double burstFraction;
  private final double onTopicEarly;
  private final double onTopicRecent;
  private final double relevantImpressionShare;
  private final double clickRelevant;
  private final double clickOther;
  private final double zipfExponent;
  private final double qualitySpread;
  private final double tasteStrength;
  private final long seed;
  private final long startTimeMs;
  private final long spanMs;

  private GeneratorConfig(Builder b) {
    this.users = b.users;
    this.items = b.items;
    this.behaviorsPerUser = b.behaviorsPerUser;
    this.categories = b.categories;
    this.topics = b.topics;
    this.interestsPerUser = b.interestsPerUser;
    this.mode = b.mode;
    this.impressionsPerUser =
        b.mode == GeneratorMode.CLICK_ONLY
            ? 0
            : b.impressionsPerUser >= 0
                ? b.impressionsPerUser
                : Math.max(1, b.behaviorsPerUser / 4);
    this.burstFraction = b.burstFraction;
    this.onTopicEarly = b.onTopicEarly;
    this.onTopicRecent = b.onTopicRecent;
    this.relevantImpressionShare = b.relevantImpressionShare;
    this.clickRelevant = b.clickRelevant;
    this.clickOther = b.clickOther;
    this.zipfExponent = b.zipfExponent;
    this.qualitySpread = b.qualitySpread;
    this.tasteStrength = b.tasteStrength;
    this.seed = b.seed;
    this.startTimeMs = b.startTimeMs;
    this.spanMs = b.spanMs;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Number of users; ids are 1..users. */
  public int users() {
    return users;
  }

  /** Number of items; ids are 1..items. */
  public int items() {
    return items;
  }

  /** Organic (history) CLICK events per user. */
  public int behaviorsPerUser() {
    return behaviorsPerUser;
  }

  /** Number of categories; ids are 1..categories. */
  public int categories() {
    return categories;
  }

  /** Number of latent topics; ids are 0..topics-1. */
  public int topics() {
    return topics;
  }

  /** Long-lived interest topics per user. */
  public int interestsPerUser() {
    return interestsPerUser;
  }

  public GeneratorMode mode() {
    return mode;
  }

  /** IMPRESSION events per user (0 in {@link GeneratorMode#CLICK_ONLY}). */
  public int impressionsPerUser() {
    return impressionsPerUser;
  }

  /** Share of a user's history, from its start, that is the on-topic burst. */
  public double burstFraction() {
    return burstFraction;
  }

  /** Probability that a behaviour in the early burst is on one of the user's interests. */
  public double onTopicEarly() {
    return onTopicEarly;
  }

  /** Probability that a behaviour after the burst is on one of the user's interests. */
  public double onTopicRecent() {
    return onTopicRecent;
  }

  /** Share of impressions whose item is drawn from the user's interest topics. */
  public double relevantImpressionShare() {
    return relevantImpressionShare;
  }

  /** Click probability of an impression whose topic is one of the user's interests. */
  public double clickRelevant() {
    return clickRelevant;
  }

  /** Click probability of any other impression. */
  public double clickOther() {
    return clickOther;
  }

  /** Exponent s of the Zipf item popularity (weight of rank r is 1 / r^s). */
  public double zipfExponent() {
    return zipfExponent;
  }

  /**
   * Std of the items' quality, a per-item offset to the click log-odds of an impression that does
   * not depend on the topic ({@link GroundTruth#qualityOf}); 0 (the default) plants none.
   */
  public double qualitySpread() {
    return qualitySpread;
  }

  /**
   * How much the users' tastes decide (0, the default: no tastes). Every item has a side (one of
   * two, like budget or premium, independent of its topic), and every user prefers one side of each
   * interest topic, drawn per topic ({@link GroundTruth#preferredSide}). With strength a, an
   * organic click the user chooses on an interest topic is on the preferred side with probability
   * (1 + a) / 2 (popular noise that falls in the topic is split evenly), and an impression from the
   * other side of an interest topic is clicked with probability {@code clickOther + (1 - a)
   * (clickRelevant - clickOther)}: only the user's own behaviours in the target's topic tell which
   * side they prefer there.
   */
  public double tasteStrength() {
    return tasteStrength;
  }

  public long seed() {
    return seed;
  }

  /** Event time of the start of the stream (epoch ms). */
  public long startTimeMs() {
    return startTimeMs;
  }

  /** Approximate span of every user's timeline (ms). */
  public long spanMs() {
    return spanMs;
  }

  /** History CLICK events in the whole stream. */
  public long historyEvents() {
    return (long) users * behaviorsPerUser;
  }

  /** IMPRESSION events in the whole stream. */
  public long impressionEvents() {
    return (long) users * impressionsPerUser;
  }

  @Override
  public String toString() {
    return String.format(
        "users=%d items=%d behaviorsPerUser=%d categories=%d topics=%d interests=%d mode=%s"
            + " impressionsPerUser=%d burst=%.2f onTopic=%.2f/%.2f click=%.2f/%.2f zipf=%.2f"
            + " qualitySpread=%.2f tasteStrength=%.2f seed=%d",
        users,
        items,
        behaviorsPerUser,
        categories,
        topics,
        interestsPerUser,
        mode,
        impressionsPerUser,
        burstFraction,
        onTopicEarly,
        onTopicRecent,
        clickRelevant,
        clickOther,
        zipfExponent,
        qualitySpread,
        tasteStrength,
        seed);
  }

  /** Builder of {@link GeneratorConfig}. */
  public static final class Builder {
    private int users = -1;
    private int items = -1;
    private int behaviorsPerUser = -1;
    private int categories = 100;
    private int topics = 50;
    private int interestsPerUser = 3;
    private GeneratorMode mode = GeneratorMode.IMPRESSIONS;
    private int impressionsPerUser = -1;
    private double burstFraction = 0.3;
    private double onTopicEarly = 0.8;
    private double onTopicRecent = 0.1;
    private double relevantImpressionShare = 0.5;
    private double clickRelevant = 0.5;
    private double clickOther = 0.05;
    private double zipfExponent = 1.0;
    private double qualitySpread = 0;
    private double tasteStrength = 0;
    private long seed = 42;
    private long startTimeMs = DEFAULT_START_TIME_MS;
    private long spanMs = DEFAULT_SPAN_MS;

    private Builder() {}

    /** Required: number of users. */
    public Builder setUsers(int users) {
      this.users = users;
      return this;
    }

    /** Required: number of items (at least the number of topics). */
    public Builder setItems(int items) {
      this.items = items;
      return this;
    }

    /** Required: organic behaviours per user, 1..{@value #MAX_BEHAVIORS_PER_USER}. */
    public Builder setBehaviorsPerUser(int behaviorsPerUser) {
      this.behaviorsPerUser = behaviorsPerUser;
      return this;
    }

    /** Number of categories (default 100). */
    public Builder optCategories(int categories) {
      this.categories = categories;
      return this;
    }

    /** Number of latent topics (default 50). */
    public Builder optTopics(int topics) {
      this.topics = topics;
      return this;
    }

    /** Interest topics per user (default 3), fewer than the topics. */
    public Builder optInterestsPerUser(int interestsPerUser) {
      this.interestsPerUser = interestsPerUser;
      return this;
    }

    /** Stream kind (default IMPRESSIONS). */
    public Builder optMode(GeneratorMode mode) {
      this.mode = mode;
      return this;
    }

    /** Impressions per user in IMPRESSIONS mode (default a quarter of the behaviours, min 1). */
    public Builder optImpressionsPerUser(int impressionsPerUser) {
      this.impressionsPerUser = impressionsPerUser;
      return this;
    }

    /** Share of the history that is the early on-topic burst (default 0.3). */
    public Builder optBurstFraction(double burstFraction) {
      this.burstFraction = burstFraction;
      return this;
    }

    /** On-topic probability in the burst (default 0.8) and after it (default 0.1). */
    public Builder optOnTopic(double early, double recent) {
      this.onTopicEarly = early;
      this.onTopicRecent = recent;
      return this;
    }

    /** Share of impressions drawn from the user's interests (default 0.5). */
    public Builder optRelevantImpressionShare(double share) {
      this.relevantImpressionShare = share;
      return this;
    }

    /** Click probability on relevant (default 0.5) and other (default 0.05) impressions. */
    public Builder optClickProbabilities(double relevant, double other) {
      this.clickRelevant = relevant;
      this.clickOther = other;
      return this;
    }

    /** Zipf exponent of item popularity (default 1.0; 0 is uniform). */
    public Builder optZipfExponent(double zipfExponent) {
      this.zipfExponent = zipfExponent;
      return this;
    }

    /**
     * Std of the items' quality in click log-odds (default 0: none; {@link
     * GeneratorConfig#REALISTIC_QUALITY_SPREAD} is what real data shows): an impression of an item
     * of quality q is clicked with probability sigmoid(logit(p) + q), p the topic's click
     * probability.
     */
    public Builder optQualitySpread(double qualitySpread) {
      this.qualitySpread = qualitySpread;
      return this;
    }

    /**
     * How much the users' tastes decide, in [0, 1] (default 0: none; {@link
     * GeneratorConfig#tasteStrength()} says what it does, {@link GeneratorConfig#STRONG_TASTE} is a
     * strong one).
     */
    public Builder optTasteStrength(double tasteStrength) {
      this.tasteStrength = tasteStrength;
      return this;
    }

    /** Seed (default 42): the same config and seed give the same stream, event for event. */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Start (default 2017-11-25T00:00Z) and span (default 9 days) of the timelines. */
    public Builder optClock(long startTimeMs, long spanMs) {
      this.startTimeMs = startTimeMs;
      this.spanMs = spanMs;
      return this;
    }

    /** Checks every setting and builds; the message lists every problem found. */
    public GeneratorConfig build() {
      List<String> problems = new ArrayList<>();
      if (users < 0) {
        problems.add("users is required but not set");
      } else if (users == 0) {
        problems.add("users must be >= 1, got 0");
      }
      if (behaviorsPerUser < 0) {
        problems.add("behaviorsPerUser is required but not set");
      } else if (behaviorsPerUser == 0 || behaviorsPerUser > MAX_BEHAVIORS_PER_USER) {
        problems.add(
            "behaviorsPerUser must be in 1.."
                + MAX_BEHAVIORS_PER_USER
                + ", got "
                + behaviorsPerUser);
      }
      if (topics < 2) {
        problems.add("topics must be >= 2 (some topics must be outside a user's interests)");
      }
      if (items < 0) {
        problems.add("items is required but not set");
      } else if (items < topics) {
        problems.add("items must be >= topics (" + topics + ") so every topic has an item");
      }
      if (categories < 1) {
        problems.add("categories must be >= 1, got " + categories);
      }
      if (interestsPerUser < 1 || interestsPerUser >= topics) {
        problems.add("interestsPerUser must be in 1..topics-1, got " + interestsPerUser);
      }
      if (mode == null) {
        problems.add("mode must not be null");
      }
      if (impressionsPerUser > MAX_BEHAVIORS_PER_USER) {
        problems.add("impressionsPerUser must be <= " + MAX_BEHAVIORS_PER_USER);
      }
      if (!(burstFraction >= 0 && burstFraction < 1)) {
        problems.add("burstFraction must be in [0, 1), got " + burstFraction);
      }
      probability(problems, "onTopicEarly", onTopicEarly);
      probability(problems, "onTopicRecent", onTopicRecent);
      probability(problems, "relevantImpressionShare", relevantImpressionShare);
      probability(problems, "clickRelevant", clickRelevant);
      probability(problems, "clickOther", clickOther);
      if (!(zipfExponent >= 0 && zipfExponent <= 5)) {
        problems.add("zipfExponent must be in [0, 5], got " + zipfExponent);
      }
      if (!(qualitySpread >= 0 && qualitySpread <= MAX_QUALITY_SPREAD)) {
        problems.add(
            "qualitySpread must be in [0, " + MAX_QUALITY_SPREAD + "], got " + qualitySpread);
      }
      if (!(tasteStrength >= 0 && tasteStrength <= 1)) {
        problems.add("tasteStrength must be in [0, 1], got " + tasteStrength);
      }
      if (startTimeMs < EventValidator.MIN_EVENT_TIME_MS) {
        problems.add("startTimeMs must be epoch ms after 1990-01-01, got " + startTimeMs);
      }
      if (spanMs < 1) {
        problems.add("spanMs must be >= 1, got " + spanMs);
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "Invalid generator config: " + String.join("; ", problems));
      }
      return new GeneratorConfig(this);
    }

    private static void probability(List<String> problems, String name, double p) {
      if (!(p >= 0 && p <= 1)) {
        problems.add(name + " must be a probability in [0, 1], got " + p);
      }
    }
  }
}
