package io.darestream.model.metrics;

import java.util.Arrays;

/**
 * Exact ROC AUC by ranking (Mann-Whitney U): tied scores share their average rank, i.e. a tied
 * positive/negative pair counts one half. NaN when only one class is present.
 */
public final class Auc {
  private Auc() {}

  /** AUC of {@code scores[0..n)} against 0/1 {@code labels}. */
  public static double compute(float[] scores, int[] labels, int n) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
    return fromSorted(order, scores, labels, 0, n);
  }

  /** AUC of the entries {@code order[from..to)}, already sorted by ascending score. */
  static double fromSorted(Integer[] order, float[] scores, int[] labels, int from, int to) {
    long positives = 0;
    long negatives = 0;
    double rankSumPositives = 0;
    int i = from;
    while (i < to) {
      int j = i;
      float s = scores[order[i]];
      while (j < to && scores[order[j]] == s) {
        j++;
      }
      // Ranks i+1 .. j (1-based within the range) share their mean.
      double meanRank = ((i - from + 1) + (j - from)) / 2.0;
      for (int t = i; t < j; t++) {
        if (labels[order[t]] == 1) {
          positives++;
          rankSumPositives += meanRank;
        } else {
          negatives++;
        }
      }
      i = j;
    }
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (rankSumPositives - positives * (positives + 1) / 2.0)
        / ((double) positives * negatives);
  }
}
