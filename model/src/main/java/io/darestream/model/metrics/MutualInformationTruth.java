package io.darestream.model.metrics;

import java.util.HashMap;
import java.util.Map;

/**
 * Ground truth for retrieval from the data itself, as the DARE reference code's attention-accuracy
 * analysis computes it: for a target category {@code c_t}, the value of a behaviour with category
 * {@code c} at relative position {@code p} (newest = 1) is the mutual information, in bits, between
 * the event "the history holds category {@code c} at position {@code p}" and the label, over the
 * samples whose target has category {@code c_t}:
 *
 * <pre>
 * MI = sum over x in {0, 1}, y in {0, 1} of P(x, y) log2(P(x, y) / (P(x) P(y)))
 * </pre>
 *
 * estimated from co-occurrence counts over positive and negative samples ({@link #observe}). A
 * behaviour that never co-occurred gets the reference code's pseudo count 1e-5. Target categories
 * seen in fewer than {@code minTargetSamples} samples have no ground truth ({@link #gains} returns
 * false), as the reference skips them (it uses 700 on Taobao).
 *
 * <p>Not thread-safe; observe everything first, then query.
 */
public final class MutualInformationTruth {
  private static final double PSEUDO_COUNT = 1e-5;

  private final int minTargetSamples;
  // (target category, behaviour category, position) -> {positives, negatives}.
  private final Map<Key, long[]> pairs = new HashMap<>();
  // target category -> {positives, negatives}.
  private final Map<Long, long[]> targets = new HashMap<>();

  private record Key(long targetCategory, long category, int position) {}

  /** Ground truth over target categories with at least {@code minTargetSamples} samples. */
  public MutualInformationTruth(int minTargetSamples) {
    if (minTargetSamples < 1) {
      throw new IllegalArgumentException("minTargetSamples must be >= 1, got " + minTargetSamples);
    }
    this.minTargetSamples = minTargetSamples;
  }

  /**
   * Counts one sample: its target category, label (1 or 0) and history categories newest first
   * ({@code historyCategories[i]} is at position {@code i + 1}), the first {@code n} of them.
   */
  public void observe(long targetCategory, int label, long[] historyCategories, int n) {
    if (label != 0 && label != 1) {
      throw new IllegalArgumentException("label must be 0 or 1, got " + label);
    }
    targets.computeIfAbsent(targetCategory, c -> new long[2])[1 - label]++;
    for (int i = 0; i < n; i++) {
      pairs
          .computeIfAbsent(new Key(targetCategory, historyCategories[i], i + 1), c -> new long[2])[
          1 - label]++;
    }
  }

  /**
   * Writes the mutual information of each of the first {@code n} behaviours into {@code out}.
   *
   * @return false (and writes nothing) when the target category has too few samples or only one
   *     label
   */
  public boolean gains(long targetCategory, long[] historyCategories, int n, double[] out) {
    long[] t = targets.get(targetCategory);
    if (t == null || t[0] + t[1] < minTargetSamples || t[0] == 0 || t[1] == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      long[] c = pairs.get(new Key(targetCategory, historyCategories[i], i + 1));
      double xp = c == null || c[0] == 0 ? PSEUDO_COUNT : c[0];
      double xn = c == null || c[1] == 0 ? PSEUDO_COUNT : c[1];
      out[i] = mutualInformation(xp, xn, t[0], t[1]);
    }
    return true;
  }

  /**
   * The mutual information (bits) between a binary feature and the label from counts: {@code xp}
   * positives and {@code xn} negatives have the feature, out of {@code tp} positives and {@code tn}
   * negatives.
   */
  static double mutualInformation(double xp, double xn, double tp, double tn) {
    double s = tp + tn;
    return term(xp, xp + xn, tp, s)
        + term(xn, xp + xn, tn, s)
        + term(tp - xp, s - xp - xn, tp, s)
        + term(tn - xn, s - xp - xn, tn, s);
  }

  /** {@code P(x, y) log2(P(x, y) / (P(x) P(y)))} from the joint, feature and label counts. */
  private static double term(double joint, double feature, double label, double s) {
    if (joint <= 0 || feature <= 0) {
      return 0;
    }
    return joint / s * Math.log(joint * s / (feature * label)) / Math.log(2);
  }

  /** Target categories with ground truth. */
  public int targetCategories() {
    int n = 0;
    for (long[] t : targets.values()) {
      if (t[0] + t[1] >= minTargetSamples && t[0] > 0 && t[1] > 0) {
        n++;
      }
    }
    return n;
  }
}
