package io.darestream.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What serving does with a model trained on click-only labels: it scores candidates through {@link
 * DareModel#score(long[], long[], long[], long[])}. On a stream without structure the model must
 * not have learnt that a never-seen item (an untrained row) is a click: such items may not score
 * higher than seen ones on average. Without warm targets ({@link ClickOnlyLabels}, warm minimum 0)
 * they did, by far (+0.21); with warm targets but negatives not matched on novelty still by +0.0004
 * to +0.0016 over seeds 1..4, a few standard errors each.
 */
class ColdItemScoresTest {
  private static final int USERS = 400;
  private static final int CLICKS = 40_000;
  private static final int ITEMS = 20_000;
  private static final int CATEGORIES = 50;
  private static final long NEVER_SEEN = 1_000_000_000L;

  @Test
  void neverSeenItemsDoNotOutscoreSeenOnes() {
    // The difference varies more between trained models than between candidate draws (one model's
    // standard error over users is ~0.0001, the spread over seeds ~0.001), so the sampling error is
    // taken over independently trained models: the one-sided 95 % upper confidence bound of the
    // mean difference must be below 0. Measured over seeds 1..12 (2026-12-07) with the search's
    // co-occurrence loss (today's default): -0.0021 to +0.0009, mean -0.0012; without it: -0.0018
    // to
    // +0.0004, mean -0.0011. Five seeds, as before the loss, put one of 1..5 at +0.0009 and the
    // bound at +0.0002: twelve keep the same bound from resting on one draw.
    int seeds = 12;
    double[] diff = new double[seeds];
    for (int s = 0; s < seeds; s++) {
      double[] means = trainAndScore(1, s + 1);
      diff[s] = means[0] - means[1];
    }
    double mean = 0;
    for (double d : diff) {
      mean += d;
    }
    mean /= seeds;
    double var = 0;
    for (double d : diff) {
      var += (d - mean) * (d - mean);
    }
    double standardError = Math.sqrt(var / (seeds - 1) / seeds);
    double t95OneSidedDf11 = 1.796;
    assertThat(mean + t95OneSidedDf11 * standardError)
        .as("upper bound of never-seen minus seen mean score, per seed %s", Arrays.toString(diff))
        .isLessThan(0);
  }

  /** Mean score of never-seen and of seen candidates, over users, after a structureless stream. */
  private static double[] trainAndScore(int warmMinCount, long seed) {
    DareConfig config =
        DareConfig.builder()
            .attentionDim(8)
            .representationDim(8)
            .topK(10)
            .maxHistory(50)
            .hiddenSizes(32, 16)
            .microBatchSize(64)
            .seed(3)
            .build();
    DareModel model = DareModel.create(config);
    ClickOnlyLabels labels =
        new ClickOnlyLabels(new NegativeSampler(100_000, seed), 1, warmMinCount, false);
    SplittableRandom rnd = new SplittableRandom(seed);
    long[][] histories = new long[USERS][0];
    List<Long> seen = new ArrayList<>();
    List<TrainingSample> batch = new ArrayList<>();
    long t0 = 1_700_000_000_000L;
    for (int i = 0; i < CLICKS; i++) {
      int user = rnd.nextInt(USERS);
      long item = 1 + rnd.nextInt(ITEMS);
      long[] h = histories[user];
      TrainingSample click =
          new TrainingSample(user, item, item % CATEGORIES, 1, t0 + i, t0 + i, h, categories(h));
      batch.addAll(labels.label(click));
      if (batch.size() >= 64) {
        model.trainBatch(batch);
        batch.clear();
      }
      histories[user] = prepend(item, h, config.maxHistory());
      seen.add(item);
    }
    double unseen = 0;
    double known = 0;
    int n = 50;
    for (int user = 0; user < USERS; user++) {
      long[] cold = new long[n];
      long[] warm = new long[n];
      for (int j = 0; j < n; j++) {
        cold[j] = NEVER_SEEN + rnd.nextInt(ITEMS);
        warm[j] = seen.get(seen.size() - 1 - rnd.nextInt(20_000));
      }
      long[] h = histories[user];
      unseen += mean(model.score(h, categories(h), cold, categories(cold)));
      known += mean(model.score(h, categories(h), warm, categories(warm)));
    }
    return new double[] {unseen / USERS, known / USERS};
  }

  private static double mean(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static long[] categories(long[] items) {
    long[] c = new long[items.length];
    for (int i = 0; i < items.length; i++) {
      c[i] = items[i] % CATEGORIES;
    }
    return c;
  }

  private static long[] prepend(long item, long[] newestFirst, int max) {
    int n = Math.min(max, newestFirst.length + 1);
    long[] out = new long[n];
    out[0] = item;
    System.arraycopy(newestFirst, 0, out, 1, n - 1);
    return out;
  }
}
