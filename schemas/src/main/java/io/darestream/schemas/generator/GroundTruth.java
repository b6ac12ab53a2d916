package io.darestream.schemas.generator;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The structure planted in a synthetic stream: each item's category and latent topic and popularity
 * rank, and each user's long-lived interest topics. Lets tests and benchmarks measure what a model
 * retrieved against what truly made a click likely (e.g. NDCG of the behaviours the search stage
 * picked, with {@link #isRelevant} as the gain).
 *
 * <p>Topics cut across categories: an item's category is one of its topic's few "home" categories
 * with probability {@value #CATEGORY_TOPIC_AFFINITY}, otherwise any category, so every category
 * holds items of many topics and the category alone does not tell whether a user will click.
 *
 * <p>Items may also differ in quality ({@link GeneratorConfig#qualitySpread()}): an offset to the
 * click log-odds of every impression of the item, the same for every user and independent of its
 * topic, category and popularity. Quality makes a click likelier but is not relevance: {@link
 * #isRelevant} stays the topic match, which is what a search over the history should find.
 *
 * <p>Users may also have tastes ({@link GeneratorConfig#tasteStrength()}): every item has one of
 * two sides, independent of its topic, and a user prefers one side of each topic, drawn per topic.
 * Whether an impression of an interest topic is clicked then depends on the side the user prefers
 * in that topic, which only the user's behaviours in that topic show: the behaviours of other
 * topics carry preferences of their own, so a search that picks them learns nothing about it. The
 * relevant behaviours are still those of the target's topic, whatever their side.
 */
public final class GroundTruth {
  /** Probability that an item's category is one of its topic's home categories. */
  public static final double CATEGORY_TOPIC_AFFINITY = 0.3;

  /** Home categories per topic. */
  static final int HOME_CATEGORIES = 3;

  private final int items;
  private final int topics;
  private final int[] topicOfItem; // index = item id; slot 0 unused
  private final int[] categoryOfItem;
  private final int[] rankOfItem;
  private final int[] itemAtRank; // index = rank - 1
  private final int[][] interestsOfUser; // index = user id; slot 0 unused, each sorted
  private final double[] qualityOfItem; // index = item id; slot 0 unused; all 0 without spread
  private final byte[] sideOfItem; // index = item id; slot 0 unused; all 0 without tastes
  private final double tasteStrength;
  private final long seed;

  private GroundTruth(
      int items,
      int topics,
      int[] topicOfItem,
      int[] categoryOfItem,
      int[] rankOfItem,
      int[] itemAtRank,
      int[][] interestsOfUser,
      double[] qualityOfItem,
      byte[] sideOfItem,
      GeneratorConfig config) {
    this.items = items;
    this.topics = topics;
    this.topicOfItem = topicOfItem;
    this.categoryOfItem = categoryOfItem;
    this.rankOfItem = rankOfItem;
    this.itemAtRank = itemAtRank;
    this.interestsOfUser = interestsOfUser;
    this.qualityOfItem = qualityOfItem;
    this.sideOfItem = sideOfItem;
    this.tasteStrength = config.tasteStrength();
    this.seed = config.seed();
  }

  /** Draws the catalog and the users' interests from {@code config}'s seed. */
  static GroundTruth create(GeneratorConfig config) {
    int n = config.items();
    int t = config.topics();
    SplittableRandom rng = new SplittableRandom(Seeds.mix(config.seed(), Seeds.CATALOG, 0));
    int[] itemAtRank = shuffledIds(n, rng);
    int[] rankOfItem = new int[n + 1];
    for (int r = 0; r < n; r++) {
      rankOfItem[itemAtRank[r]] = r + 1;
    }
    // Topic by position in an independent shuffle: balanced topics, independent of popularity.
    int[] topicOrder = shuffledIds(n, rng);
    int[] topicOfItem = new int[n + 1];
    for (int j = 0; j < n; j++) {
      topicOfItem[topicOrder[j]] = j % t;
    }
    int[][] homes = new int[t][HOME_CATEGORIES];
    for (int[] home : homes) {
      for (int k = 0; k < HOME_CATEGORIES; k++) {
        home[k] = 1 + rng.nextInt(config.categories());
      }
    }
    int[] categoryOfItem = new int[n + 1];
    for (int item = 1; item <= n; item++) {
      categoryOfItem[item] =
          rng.nextDouble() < CATEGORY_TOPIC_AFFINITY
              ? homes[topicOfItem[item]][rng.nextInt(HOME_CATEGORIES)]
              : 1 + rng.nextInt(config.categories());
    }
    int[][] interests = new int[config.users() + 1][];
    for (int user = 1; user <= config.users(); user++) {
      interests[user] = drawInterests(config, user);
    }
    return new GroundTruth(
        n,
        t,
        topicOfItem,
        categoryOfItem,
        rankOfItem,
        itemAtRank,
        interests,
        drawQuality(config),
        drawSides(config),
        config);
  }

  /** Each item's side, a fair coin from a stream of its own (all 0 without tastes). */
  private static byte[] drawSides(GeneratorConfig config) {
    byte[] sides = new byte[config.items() + 1];
    if (config.tasteStrength() == 0) {
      return sides;
    }
    SplittableRandom rng = new SplittableRandom(Seeds.mix(config.seed(), Seeds.SIDES, 0));
    for (int item = 1; item <= config.items(); item++) {
      sides[item] = (byte) (rng.nextBoolean() ? 1 : 0);
    }
    return sides;
  }

  /**
   * N(0, spread²) per item from a stream of its own, so that the catalog, the interests and the
   * timelines' draws are those of a stream without quality; Box-Muller with StrictMath, so that the
   * values do not depend on the JDK.
   */
  private static double[] drawQuality(GeneratorConfig config) {
    double[] quality = new double[config.items() + 1];
    double spread = config.qualitySpread();
    if (spread == 0) {
      return quality;
    }
    SplittableRandom rng = new SplittableRandom(Seeds.mix(config.seed(), Seeds.QUALITY, 0));
    for (int item = 1; item <= config.items(); item++) {
      double u1 = 1 - rng.nextDouble(); // (0, 1]: the log is finite
      double u2 = rng.nextDouble();
      quality[item] =
          spread
              * StrictMath.sqrt(-2 * StrictMath.log(u1))
              * StrictMath.cos(2 * StrictMath.PI * u2);
    }
    return quality;
  }

  private static int[] drawInterests(GeneratorConfig config, int user) {
    SplittableRandom rng = new SplittableRandom(Seeds.mix(config.seed(), Seeds.INTERESTS, user));
    int[] chosen = new int[config.interestsPerUser()];
    int count = 0;
    while (count < chosen.length) {
      int topic = rng.nextInt(config.topics());
      boolean seen = false;
      for (int i = 0; i < count; i++) {
        seen |= chosen[i] == topic;
      }
      if (!seen) {
        chosen[count++] = topic;
      }
    }
    Arrays.sort(chosen);
    return chosen;
  }

  private static int[] shuffledIds(int n, SplittableRandom rng) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i + 1;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int tmp = ids[i];
      ids[i] = ids[j];
      ids[j] = tmp;
    }
    return ids;
  }

  /** Number of items (ids 1..items). */
  public int items() {
    return items;
  }

  /** Number of users (ids 1..users). */
  public int users() {
    return interestsOfUser.length - 1;
  }

  /** Number of topics (ids 0..topics-1). */
  public int topics() {
    return topics;
  }

  /** Latent topic of {@code itemId}. */
  public int topicOf(long itemId) {
    return topicOfItem[checkItem(itemId)];
  }

  /** Category of {@code itemId} (what the events carry). */
  public long categoryOf(long itemId) {
    return categoryOfItem[checkItem(itemId)];
  }

  /**
   * Quality of {@code itemId}: the offset its impressions add to the click log-odds (0 when the
   * config has no quality spread). Not relevance: it does not depend on the user or the topic.
   */
  public double qualityOf(long itemId) {
    return qualityOfItem[checkItem(itemId)];
  }

  /** Whether the users have tastes: items have sides and users prefer one per topic. */
  public boolean hasTastes() {
    return tasteStrength > 0;
  }

  /** The item's side, 0 or 1 (always 0 without tastes). */
  public int sideOf(long itemId) {
    return sideOfItem[checkItem(itemId)];
  }

  /**
   * The side of {@code topic} that {@code userId} prefers, 0 or 1: a fair coin per user and topic,
   * independent of every other topic's (meaningful only with tastes).
   */
  public int preferredSide(long userId, int topic) {
    checkUser(userId);
    if (topic < 0 || topic >= topics) {
      throw new IllegalArgumentException("topic " + topic + " is not in 0.." + (topics - 1));
    }
    return (int) (Seeds.mix(seed, Seeds.PREFERENCES, userId * topics + topic) >>> 63);
  }

  /**
   * The probability that {@code userId} clicks an impression of {@code itemId}: the config's click
   * probability of the topic match ({@code clickRelevant} when the item's topic is one of the
   * user's interests, else {@code clickOther}; with tastes, an interest topic's item from the side
   * the user does not prefer is moved toward {@code clickOther} by the taste strength), shifted by
   * the item's quality in log-odds.
   */
  public double clickProbability(long userId, long itemId, GeneratorConfig config) {
    int topic = topicOf(itemId);
    double base = config.clickOther();
    if (isInterested(userId, topic)) {
      base =
          hasTastes() && sideOf(itemId) != preferredSide(userId, topic)
              ? config.clickOther()
                  + (1 - tasteStrength) * (config.clickRelevant() - config.clickOther())
              : config.clickRelevant();
    }
    double quality = qualityOf(itemId);
    if (quality == 0 || base == 0 || base == 1) {
      return base; // bit for bit the stream without quality; a certain outcome stays certain
    }
    double logit = StrictMath.log(base / (1 - base)) + quality;
    return 1 / (1 + StrictMath.exp(-logit));
  }

  /** Popularity rank of {@code itemId}, 1 = most popular. */
  public int popularityRank(long itemId) {
    return rankOfItem[checkItem(itemId)];
  }

  /** The item at popularity rank {@code rank} (1-based). */
  public long itemAtRank(int rank) {
    return itemAtRank[rank - 1];
  }

  /** The user's interest topics, ascending. */
  public int[] interestsOf(long userId) {
    return interestsOfUser[checkUser(userId)].clone();
  }

  /** Whether {@code topic} is one of the user's interests. */
  public boolean isInterested(long userId, int topic) {
    return Arrays.binarySearch(interestsOfUser[checkUser(userId)], topic) >= 0;
  }

  /**
   * Whether a past behaviour on {@code historyItemId} is evidence for the user clicking {@code
   * targetItemId}: both items share a topic and that topic is one of the user's interests. These
   * are the behaviours an ideal search stage retrieves for the target.
   */
  public boolean isRelevant(long userId, long historyItemId, long targetItemId) {
    int topic = topicOf(targetItemId);
    return topicOf(historyItemId) == topic && isInterested(userId, topic);
  }

  /** Item ids by popularity, most popular first (package use: samplers). */
  int[] itemsByRank() {
    return itemAtRank;
  }

  int[] interestsUnsafe(long userId) {
    return interestsOfUser[(int) userId];
  }

  private int checkItem(long itemId) {
    if (itemId < 1 || itemId > items) {
      throw new IllegalArgumentException("item id " + itemId + " is not in 1.." + items);
    }
    return (int) itemId;
  }

  private int checkUser(long userId) {
    if (userId < 1 || userId >= interestsOfUser.length) {
      throw new IllegalArgumentException(
          "user id " + userId + " is not in 1.." + (interestsOfUser.length - 1));
    }
    return (int) userId;
  }
}
