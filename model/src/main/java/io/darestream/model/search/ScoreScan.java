package io.darestream.model.search;

import io.darestream.model.VectorKernels;

/**
 * The two linear passes of {@link TopK}'s filter over a score array: a lower bound of the K-th best
 * score, and the indices of the scores that reach it.
 *
 * <p>The bound: split the scores into {@code g >= K} disjoint groups; the group maxima are {@code
 * g} distinct scores, so the K-th largest of them is reached by at least K scores and cannot exceed
 * the K-th best. With groups of about 16 scores it sits near the K-th best itself (on 1,000
 * Gaussian scores and K = 20, ~25 scores reach it), so little is left for the selection.
 *
 * <p>{@link VectorScan} runs the passes on the Vector API when the JVM has {@code
 * jdk.incubator.vector} (and {@code -Ddare.vector} is not false); {@link ScalarScan} is the
 * fallback. Either only narrows what the selection looks at: the result, and so every score, is the
 * same whichever runs. Instances are stateless and shared; callers own the scratch.
 */
abstract class ScoreScan {
  private static final ScoreScan INSTANCE = choose();

  /** The implementation this JVM runs. */
  static ScoreScan get() {
    return INSTANCE;
  }

  /** The scalar implementation, whatever this JVM could run (tests compare both). */
  static ScoreScan scalar() {
    return new ScalarScan();
  }

  /** Number of groups {@code g >= k} the bound for the best {@code k} uses. */
  abstract int groups(int k);

  /**
   * Shortest input for which the filter is worth its passes when selecting the best {@code k}:
   * groups of four scores at least, or the bound admits most of them.
   */
  final int filterFrom(int k) {
    return 4 * groups(k);
  }

  /**
   * A value that at least {@code k} of {@code s[0..n)} reach ({@code n >= filterFrom(k)}), or NaN
   * when a NaN score took part (the caller then selects without a filter). {@code scratch} holds at
   * least {@code groups(k) + k} floats.
   */
  abstract float lowerBound(float[] s, int n, int k, float[] scratch);

  /**
   * Writes to {@code out} the indices {@code i < n}, ascending, with {@code s[i] >= bound}, and
   * returns how many.
   */
  abstract int collect(float[] s, int n, float bound, int[] out);

  /**
   * The K-th largest of {@code maxima[0..g)} (NaN if one is NaN), using {@code maxima[g..g+k)} as a
   * descending top-K.
   */
  static float kthLargest(float[] maxima, int g, int k) {
    int held = 0;
    for (int i = 0; i < g; i++) {
      float v = maxima[i];
      if (v != v) {
        return Float.NaN;
      }
      int p;
      if (held < k) {
        p = g + held;
        held++;
      } else if (v > maxima[g + k - 1]) {
        p = g + k - 1;
      } else {
        continue;
      }
      while (p > g && maxima[p - 1] < v) {
        maxima[p] = maxima[p - 1];
        p--;
      }
      maxima[p] = v;
    }
    return maxima[g + k - 1];
  }

  /** The scalar passes: group maxima over {@code i mod g}, branch-free collection. */
  static final class ScalarScan extends ScoreScan {
    @Override
    int groups(int k) {
      return Math.max(2 * k, 32);
    }

    @Override
    float lowerBound(float[] s, int n, int k, float[] scratch) {
      int g = groups(k);
      System.arraycopy(s, 0, scratch, 0, g);
      int base = g;
      for (; base + g <= n; base += g) {
        for (int j = 0; j < g; j++) {
          // A branch, not Math.max (NaN and -0 handling make that several instructions): after
          // the first groups it is almost never taken. A NaN later in a group is skipped, which
          // only makes the bound lower.
          float v = s[base + j];
          if (v > scratch[j]) {
            scratch[j] = v;
          }
        }
      }
      return kthLargest(scratch, g, k);
    }

    @Override
    int collect(float[] s, int n, float bound, int[] out) {
      int c = 0;
      for (int i = 0; i < n; i++) {
        out[c] = i;
        c += s[i] >= bound ? 1 : 0;
      }
      return c;
    }
  }

  private static ScoreScan choose() {
    return VectorKernels.choose(
        "io.darestream.model.search.VectorScan", ScoreScan.class, ScalarScan::new);
  }
}
