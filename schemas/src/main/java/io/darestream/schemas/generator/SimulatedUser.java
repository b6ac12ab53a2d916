package io.darestream.schemas.generator;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * One simulated user of the generator: the user's events, produced lazily in event-time order from
 * the user's own random stream.
 *
 * <p>The timeline is {@code behaviorsPerUser} organic CLICKs plus, in IMPRESSIONS mode, {@code
 * impressionsPerUser} impressions placed uniformly among the organic steps after the burst. The
 * first {@code burstFraction} of the organic steps are mostly on the user's interest topics; later
 * ones mostly popular noise. An impression is clicked with a probability that depends on whether
 * its topic is one of the user's interests (evidence for that sits far back in history) and, with a
 * quality spread, on the item's quality ({@link GroundTruth#clickProbability}). Organic clicks do
 * not depend on quality: in a click-only stream an item's quality could only show as how often it
 * occurs, which frequency-drawn negatives cancel, so quality is planted where a label sees it. With
 * tastes, organic clicks on an interest topic lean to the side the user prefers there, and so does
 * the click on an impression; the impressions themselves are drawn from either side.
 */
final class SimulatedUser {
  /** A click follows its impression after 2 to 60 seconds. */
  static final int CLICK_DELAY_MIN_MS = 2_000;

  static final int CLICK_DELAY_RANGE_MS = 58_000;

  private record PendingClick(long timeMs, int item, String requestId) {}

  private final GeneratorConfig config;
  private final GroundTruth truth;
  private final ItemSamplers samplers;
  private final int userId;
  private final int[] interests;
  private final SplittableRandom rng;
  private final int burstLength;
  private final double meanGapMs;
  private final PriorityQueue<PendingClick> pending =
      new PriorityQueue<>((a, b) -> Long.compare(a.timeMs(), b.timeMs()));
  private int organicLeft;
  private int impressionsLeft;
  private int organicDone;
  private int emitted;
  private int requests;
  private long nextStepMs;

  SimulatedUser(GeneratorConfig config, GroundTruth truth, ItemSamplers samplers, int userId) {
    this.config = config;
    this.truth = truth;
    this.samplers = samplers;
    this.userId = userId;
    this.interests = truth.interestsUnsafe(userId);
    this.rng = new SplittableRandom(Seeds.mix(config.seed(), Seeds.TIMELINE, userId));
    this.organicLeft = config.behaviorsPerUser();
    this.impressionsLeft = config.impressionsPerUser();
    this.burstLength = (int) Math.ceil(config.burstFraction() * config.behaviorsPerUser());
    this.meanGapMs = (double) config.spanMs() / (organicLeft + impressionsLeft);
    this.nextStepMs = config.startTimeMs() + gap();
  }

  int userId() {
    return userId;
  }

  boolean exhausted() {
    return organicLeft + impressionsLeft == 0 && pending.isEmpty();
  }

  /** Event time of the next event; only meaningful while not exhausted. */
  long nextTimeMs() {
    long step = organicLeft + impressionsLeft > 0 ? nextStepMs : Long.MAX_VALUE;
    PendingClick click = pending.peek();
    return click != null && click.timeMs() <= step ? click.timeMs() : step;
  }

  /** The next event in this user's time order. */
  BehaviorEvent next() {
    PendingClick click = pending.peek();
    boolean stepsLeft = organicLeft + impressionsLeft > 0;
    if (click != null && (!stepsLeft || click.timeMs() <= nextStepMs)) {
      pending.poll();
      return event(click.item(), BehaviorType.CLICK, click.timeMs(), click.requestId());
    }
    long time = nextStepMs;
    nextStepMs += gap();
    boolean afterBurst = organicDone >= burstLength;
    if (impressionsLeft > 0
        && afterBurst
        && rng.nextInt(organicLeft + impressionsLeft) < impressionsLeft) {
      impressionsLeft--;
      return impression(time);
    }
    organicLeft--;
    organicDone++;
    double onTopic = afterBurst ? config.onTopicRecent() : config.onTopicEarly();
    int item = rng.nextDouble() < onTopic ? tastefulInterestItem() : samplers.popular(rng);
    return event(item, BehaviorType.CLICK, time, null);
  }

  private BehaviorEvent impression(long time) {
    int item =
        rng.nextDouble() < config.relevantImpressionShare()
            ? interestItem()
            : samplers.popular(rng);
    String requestId = "req:" + config.seed() + ":" + userId + ":" + requests++;
    if (rng.nextDouble() < truth.clickProbability(userId, item, config)) {
      long delay = CLICK_DELAY_MIN_MS + rng.nextInt(CLICK_DELAY_RANGE_MS);
      pending.add(new PendingClick(time + delay, item, requestId));
    }
    return event(item, BehaviorType.IMPRESSION, time, requestId);
  }

  private int interestItem() {
    return samplers.ofTopic(interests[rng.nextInt(interests.length)], rng);
  }

  /** An interest item the user chose: with tastes, on the preferred side with (1 + a) / 2. */
  private int tastefulInterestItem() {
    if (!truth.hasTastes()) {
      return interestItem(); // the same draws as a stream without tastes
    }
    int topic = interests[rng.nextInt(interests.length)];
    int preferred = truth.preferredSide(userId, topic);
    int side = rng.nextDouble() < (1 + config.tasteStrength()) / 2 ? preferred : 1 - preferred;
    return samplers.ofTopicSide(topic, side, rng);
  }

  private BehaviorEvent event(int item, BehaviorType type, long timeMs, String requestId) {
    String id = "gen:" + config.seed() + ":" + userId + ":" + emitted++;
    return new BehaviorEvent(
        id, (long) userId, (long) item, truth.categoryOf(item), type, timeMs, requestId);
  }

  /** Exponential gaps (a Poisson process) at least 1 ms apart; StrictMath for reproducibility. */
  private long gap() {
    return 1 + (long) (-StrictMath.log(1 - rng.nextDouble()) * meanGapMs);
  }
}
