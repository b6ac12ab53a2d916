package io.darestream.model.eval;

import io.darestream.model.TrainingSample;
import io.darestream.model.sampling.NegativeSampler;
import java.util.ArrayList;
import java.util.List;

/**
 * The offline protocol of the DARE paper (Section 5.1): keep users with at least {@code L + 10}
 * behaviours; per user the last behaviour is the test target, the one before it validation, and up
 * to 19 earlier behaviours are training targets; each positive gets {@code negatives} sampled
 * negatives (frequency-proportional over all behaviours, excluding the user's history); the history
 * of a target is the {@code L} behaviours before it, newest first.
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
      add(test, u, n - 1, maxHistory, negatives, sampler);
      add(validation, u, n - 2, maxHistory, negatives, sampler);
      for (int t = n - 3; t >= Math.max(1, n - 2 - TRAIN_TARGETS); t--) {
        add(train, u, t, maxHistory, negatives, sampler);
      }
    }
    return new ProtocolSplit(train, validation, test, kept);
  }

  private static void add(
      List<TrainingSample> out,
      UserSequence u,
      int t,
      int maxHistory,
      int negatives,
      NegativeSampler sampler) {
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
    out.addAll(sampler.negatives(positive, negatives));
  }

  private static int totalBehaviours(List<UserSequence> users) {
    long n = 0;
    for (UserSequence u : users) {
      n += u.length();
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, n));
  }
}
