package io.darestream.model.metrics;

import java.util.Arrays;

/**
 * Group AUC: the AUC of each user's samples, averaged with the user's sample count as weight, over
 * users that have both labels (the usual CTR definition, also used by the DARE paper).
 */
public final class Gauc {
  private Gauc() {}

  /** GAUC of {@code [0..n)}; NaN when no user has both labels. */
  public static double compute(long[] users, float[] scores, int[] labels, int n) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Long.compare(users[a], users[b]);
          return c != 0 ? c : Float.compare(scores[a], scores[b]);
        });
    double weighted = 0;
    long weight = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j < n && users[order[j]] == users[order[i]]) {
        j++;
      }
      double auc = Auc.fromSorted(order, scores, labels, i, j);
      if (!Double.isNaN(auc)) {
        weighted += auc * (j - i);
        weight += j - i;
      }
      i = j;
    }
    return weight == 0 ? Double.NaN : weighted / weight;
  }
}
