package io.darestream.model.sampling;

import io.darestream.model.TrainingSample;
import io.darestream.model.collections.LongHashSet;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

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
 *   <li><b>First clicks.</b> Warm is not enough: an item's first warm click is often its first
 *       appearance as a sample (its row untrained as a target), while a frequency-proportional
 *       negative is usually an item already shown as a click. On a structureless stream such
 *       samples were 60 % positives against 50 % overall, enough for a never-seen item to outscore
 *       a seen one. So negatives are matched on novelty: a click whose item has been a positive
 *       sample within the window gets negatives that have too; one whose item has not gets
 *       negatives that have not. A click for which no such negatives are found is cold too (it
 *       would be a positive without its negatives).
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
  private long unmatchedClicks;

  /**
   * @param sampler the window negatives are drawn from; this class records every click in it
   * @param negativesPerClick negatives per positive (0: positives only)
   * @param warmMinCount occurrences of an item in the window before its clicks are samples, and of
   *     a negative; from 1 negatives are also matched on novelty (0: every click is a sample and
   *     negatives are not matched, the behaviour before warm targets existed)
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
    List<TrainingSample> out = List.of();
    if (sampler.occurrences(click.targetItem()) >= warmMinCount) {
      List<SampledItem> negatives = negatives(click);
      if (negatives.size() == negativesPerClick || warmMinCount == 0) {
        out = new ArrayList<>(1 + negatives.size());
        out.add(click);
        for (SampledItem s : negatives) {
          out.add(click.withTarget(s.item(), s.category(), 0));
        }
      } else {
        unmatchedClicks++;
      }
    }
    if (out.isEmpty()) {
      coldClicks++;
    } else {
      warmClicks++;
    }
    sampler.observe(click.targetItem(), click.targetCategory(), !out.isEmpty());
    return out;
  }

  private List<SampledItem> negatives(TrainingSample click) {
    if (negativesPerClick == 0) {
      return List.of();
    }
    if (warmMinCount == 0) {
      return sampler.sample(
          click.userId(), click.eventTimeMs(), exclusions(click), negativesPerClick, 0);
    }
    boolean shown = sampler.sampledOccurrences(click.targetItem()) > 0;
    LongPredicate sameNovelty =
        item ->
            sampler.occurrences(item) >= warmMinCount
                && (sampler.sampledOccurrences(item) > 0) == shown;
    return sampler.sample(
        click.userId(), click.eventTimeMs(), exclusions(click), negativesPerClick, sameNovelty);
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

  /**
   * Clicks that made no sample: their item was cold, or no negatives of the same novelty were found
   * ({@link #unmatchedClicks()}). They are in the history and the window all the same.
   */
  public long coldClicks() {
    return coldClicks;
  }

  /** Of the {@link #coldClicks()}, those whose item was warm but found no matched negatives. */
  public long unmatchedClicks() {
    return unmatchedClicks;
  }
}
