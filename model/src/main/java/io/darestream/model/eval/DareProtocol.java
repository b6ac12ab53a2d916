package io.darestream.model.eval;

import io.darestream.model.TrainingSample;
import io.darestream.model.collections.LongHashSet;
import io.darestream.model.sampling.NegativeSampler;
import io.darestream.model.sampling.SampledItem;
import java.util.ArrayList;
import java.util.List;

/**
 * The offline protocol of the DARE paper (Section 5.1): keep users with at least {@code L + 10}
 * behaviours; per user the last behaviour is the test target, the one before it validation, and up
 * to 19 earlier behaviours are training targets; each positive gets {@code negatives} sampled
 * negatives (frequency-proportional over all behaviours, excluding the user's history); the history
 * of a target is the {@code L} behaviours before it, newest first.
 *
 * <p>Negatives are matched on novelty, as the online labels are ({@code ClickOnlyLabels}): a target
 * that is a positive training target somewhere gets negatives that are too, one that is not (a
 * validation or test item nobody trained on as a click) gets negatives that are not. Without it, on
 * MovieLens 79 % of test positives but 88 % of frequency-drawn negatives were training targets, so
 * an untrained item row hinted at a click. The history stays excluded: in MovieLens a user rates an
 * item once, so a positive is never in its own history and a negative must not be either.
 */
public final class DareProtocol {
  public static final int TRAIN_TARGETS = 19;

  private DareProtocol() {}

  public static ProtocolSplit split(
      List<UserSequence> users, int maxHistory, int negatives, long seed) {
    NegativeSampler sampler = new NegativeSampler(totalBehaviours(users), seed);
    for (UserSequence u : users) {
      for (int i = 0; i < u.length(); i++) {
        sampler.observe(u.items()[i], u.categories()[i]);
      }
    }
    LongHashSet trainTargets = new LongHashSet(1024);
    for (UserSequence u : users) {
      int n = u.length();
      if (n >= maxHistory + 10) {
        for (int t = n - 3; t >= Math.max(1, n - 2 - TRAIN_TARGETS); t--) {
          trainTargets.add(u.items()[t]);
        }
      }
    }
    Negatives draw = new Negatives(sampler, trainTargets, negatives);
    List<TrainingSample> train = new ArrayList<>();
    List<TrainingSample> validation = new ArrayList<>();
    List<TrainingSample> test = new ArrayList<>();
    int kept = 0;
    for (UserSequence u : users) {
      int n = u.length();
      if (n < maxHistory + 10) {
        continue;
      }
      kept++;
      add(test, u, n - 1, maxHistory, draw);
      add(validation, u, n - 2, maxHistory, draw);
      for (int t = n - 3; t >= Math.max(1, n - 2 - TRAIN_TARGETS); t--) {
        add(train, u, t, maxHistory, draw);
      }
    }
    return new ProtocolSplit(train, validation, test, kept);
  }

  private static void add(
      List<TrainingSample> out, UserSequence u, int t, int maxHistory, Negatives negatives) {
    TrainingSample positive =
        new TrainingSample(
            u.userId(),
            u.items()[t],
            u.categories()[t],
            1,
            u.timesMs()[t],
            u.timesMs()[t],
            Sequences.historyBefore(u.items(), t, maxHistory),
            Sequences.historyBefore(u.categories(), t, maxHistory));
    out.add(positive);
    out.addAll(negatives.of(positive));
  }

  /** Negatives of the positive's novelty: training targets for a training target, else not. */
  private record Negatives(NegativeSampler sampler, LongHashSet trainTargets, int count) {
    List<TrainingSample> of(TrainingSample positive) {
      LongHashSet exclude = new LongHashSet(positive.historyLength() + 1);
      exclude.add(positive.targetItem());
      for (int i = 0; i < positive.historyLength(); i++) {
        exclude.add(positive.historyItem(i));
      }
      boolean trained = trainTargets.contains(positive.targetItem());
      List<TrainingSample> out = new ArrayList<>(count);
      for (SampledItem s :
          sampler.sample(
              positive.userId(),
              positive.eventTimeMs(),
              exclude,
              count,
              item -> trainTargets.contains(item) == trained)) {
        out.add(positive.withTarget(s.item(), s.category(), 0));
      }
      return out;
    }
  }

  private static int totalBehaviours(List<UserSequence> users) {
    long n = 0;
    for (UserSequence u : users) {
      n += u.length();
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, n));
  }
}
