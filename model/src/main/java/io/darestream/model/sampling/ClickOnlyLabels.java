package io.darestream.model.sampling;

import io.darestream.model.TrainingSample;
import io.darestream.model.collections.LongHashSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Labels of a click-only stream: each click is a positive with sampled negatives, made so that the
 * model cannot tell the two apart by anything but the user's preference.
 *
 * <p>Negatives are items recently clicked by others (the {@link NegativeSampler}'s window). Two
 * things would otherwise give a positive away, whatever the user likes:
 *
 * <ul>
 *   <li><b>Novelty.</b> A clicked item may never have been seen (an untrained embedding row), while
 *       a negative never is: on a stream without any structure and 4,000,000 items the prequential
 *       AUC was 0.98, the model having learnt "a new item is a click". So a click is a sample only
 *       if its item is <i>warm</i>: it occurs at least {@code warmMinCount} times in the sampler's
 *       window, the population negatives are drawn from, and negatives must meet the same count.
 *       Cold clicks still enter the user's history and the window; they are counted ({@link
 *       #coldClicks()}), not trained or scored. This is also what serving scores: candidates come
 *       from a retrieval stage, i.e. items with recent interactions.
 *   <li><b>Repetition.</b> A click may repeat an item of the user's history; a negative that
 *       excludes the history never does, so "the target is in the history" (which the search finds
 *       at once) would mean "click". With {@code excludeHistory} off only the clicked item itself
 *       is excluded, so negatives are in the history as often as chance puts them there.
 * </ul>
 *
 * <p>Deterministic for a given sampler: the same clicks give the same samples.
 */
public final class ClickOnlyLabels {
  private final NegativeSampler sampler;
  private final int negativesPerClick;
  private final int warmMinCount;
  private final boolean excludeHistory;
  private long warmClicks;
  private long coldClicks;

  /**
   * @param sampler the window negatives are drawn from; this class records every click in it
   * @param negativesPerClick negatives per positive (0: positives only)
   * @param warmMinCount occurrences of an item in the window before its clicks are samples (0:
   *     every click is one, the behaviour before warm targets existed)
   * @param excludeHistory whether negatives exclude the user's whole history (else only the clicked
   *     item)
   */
  public ClickOnlyLabels(
      NegativeSampler sampler, int negativesPerClick, int warmMinCount, boolean excludeHistory) {
    if (negativesPerClick < 0) {
      throw new IllegalArgumentException(
          "negativesPerClick must be >= 0, got " + negativesPerClick);
    }
    if (warmMinCount < 0) {
      throw new IllegalArgumentException("warmMinCount must be >= 0, got " + warmMinCount);
    }
    this.sampler = sampler;
    this.negativesPerClick = negativesPerClick;
    this.warmMinCount = warmMinCount;
    this.excludeHistory = excludeHistory;
  }

  /**
   * The samples of one click (the positive first, then its negatives), or none if its item is cold;
   * then records the click in the window.
   *
   * @param click the click as a positive sample: target, user, time and history before it
   */
  public List<TrainingSample> label(TrainingSample click) {
    List<TrainingSample> out;
    if (sampler.occurrences(click.targetItem()) >= warmMinCount) {
      warmClicks++;
      out = new ArrayList<>(1 + negativesPerClick);
      out.add(click);
      if (negativesPerClick > 0) {
        for (SampledItem s :
            sampler.sample(
                click.userId(),
                click.eventTimeMs(),
                exclusions(click),
                negativesPerClick,
                warmMinCount)) {
          out.add(click.withTarget(s.item(), s.category(), 0));
        }
      }
    } else {
      coldClicks++;
      out = List.of();
    }
    sampler.observe(click.targetItem(), click.targetCategory());
    return out;
  }

  private LongHashSet exclusions(TrainingSample click) {
    int n = excludeHistory ? click.historyLength() : 0;
    LongHashSet exclude = new LongHashSet(n + 1);
    exclude.add(click.targetItem());
    for (int i = 0; i < n; i++) {
      exclude.add(click.historyItem(i));
    }
    return exclude;
  }

  /** Clicks that became samples. */
  public long warmClicks() {
    return warmClicks;
  }

  /** Clicks whose item was cold: in the history and the window, but no sample. */
  public long coldClicks() {
    return coldClicks;
  }
}
