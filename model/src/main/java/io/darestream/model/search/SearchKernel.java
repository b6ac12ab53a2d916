package io.darestream.model.search;

/**
 * The search stage of DARE (paper Section 4, "search" with {@code E^Att}): scores one query against
 * every gathered history key, {@code s_i = (<q, k_i> + bias_i) * scale}, and keeps the top K. The
 * score is a sum of per-field dot products, so a field whose key depends only on the position (the
 * relative-position field) is passed in as a precomputed {@code bias} instead of being gathered per
 * behaviour.
 *
 * <p>Plain Java over contiguous arrays: each key column is streamed once with a multiply-add the
 * JIT vectorises. No allocation per call; one instance per thread.
 */
public final class SearchKernel {
  private final float[] scores;

  /**
   * @param maxLength the longest history this kernel will search
   */
  public SearchKernel(int maxLength) {
    this.scores = new float[Math.max(1, maxLength)];
  }

  /**
   * Scores {@code query[0 .. keys.width())} against the keys and selects the top {@code out.k()}.
   *
   * @param bias per-behaviour additive term (before scaling), or null
   * @param scale multiplier applied to every score, e.g. {@code 1 / sqrt(d)}
   */
  public void search(float[] query, HistoryKeys keys, float[] bias, float scale, TopK out) {
    int n = scoreAll(query, keys, bias, scale);
    out.select(scores, n);
  }

  /** Like {@link #search} but keeps every behaviour, in history order (full softmax). */
  public void scoreEvery(float[] query, HistoryKeys keys, float[] bias, float scale, TopK out) {
    int n = scoreAll(query, keys, bias, scale);
    out.selectAll(scores, n);
  }

  private int scoreAll(float[] query, HistoryKeys keys, float[] bias, float scale) {
    int n = keys.length();
    if (keys.transposed()) {
      scoreColumns(query, keys.columns(), keys.width(), n, bias, scale);
    } else {
      scoreRows(query, keys.rows(), keys.width(), n, bias, scale);
    }
    return n;
  }

  /**
   * Column layout: every column streamed once. The arithmetic per behaviour, and its order, is
   * exactly that of {@link #scoreRows}: {@code bias}, then groups of four products added pairwise,
   * then the single products of a remainder, then the scale.
   */
  private void scoreColumns(
      float[] query, float[][] cols, int width, int n, float[] bias, float scale) {
    float[] s = scores;
    if (bias != null) {
      System.arraycopy(bias, 0, s, 0, n);
    } else {
      java.util.Arrays.fill(s, 0, n, 0f);
    }
    // Four key columns per pass: one load and store of the scores per four multiply-adds; every
    // array indexed from 0 so that the loop vectorises.
    int j = 0;
    for (; j + 3 < width; j += 4) {
      float q0 = query[j];
      float q1 = query[j + 1];
      float q2 = query[j + 2];
      float q3 = query[j + 3];
      float[] c0 = cols[j];
      float[] c1 = cols[j + 1];
      float[] c2 = cols[j + 2];
      float[] c3 = cols[j + 3];
      for (int i = 0; i < n; i++) {
        s[i] += (q0 * c0[i] + q1 * c1[i]) + (q2 * c2[i] + q3 * c3[i]);
      }
    }
    for (; j < width; j++) {
      float q0 = query[j];
      float[] c0 = cols[j];
      for (int i = 0; i < n; i++) {
        s[i] += q0 * c0[i];
      }
    }
    for (int i = 0; i < n; i++) {
      s[i] *= scale;
    }
  }

  /**
   * Row layout: one dot product per behaviour, same operations in the same order as columns. Four
   * behaviours per pass: each one's sum is a chain of dependent adds, and four independent chains
   * keep the adder busy where one leaves it waiting on the previous add.
   */
  private void scoreRows(float[] query, float[] rows, int width, int n, float[] bias, float scale) {
    float[] s = scores;
    int groups = width & ~3;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      int o0 = i * width;
      int o1 = o0 + width;
      int o2 = o1 + width;
      int o3 = o2 + width;
      float a0 = bias != null ? bias[i] : 0f;
      float a1 = bias != null ? bias[i + 1] : 0f;
      float a2 = bias != null ? bias[i + 2] : 0f;
      float a3 = bias != null ? bias[i + 3] : 0f;
      int j = 0;
      for (; j < groups; j += 4) {
        float q0 = query[j];
        float q1 = query[j + 1];
        float q2 = query[j + 2];
        float q3 = query[j + 3];
        a0 +=
            (q0 * rows[o0 + j] + q1 * rows[o0 + j + 1])
                + (q2 * rows[o0 + j + 2] + q3 * rows[o0 + j + 3]);
        a1 +=
            (q0 * rows[o1 + j] + q1 * rows[o1 + j + 1])
                + (q2 * rows[o1 + j + 2] + q3 * rows[o1 + j + 3]);
        a2 +=
            (q0 * rows[o2 + j] + q1 * rows[o2 + j + 1])
                + (q2 * rows[o2 + j + 2] + q3 * rows[o2 + j + 3]);
        a3 +=
            (q0 * rows[o3 + j] + q1 * rows[o3 + j + 1])
                + (q2 * rows[o3 + j + 2] + q3 * rows[o3 + j + 3]);
      }
      for (; j < width; j++) {
        float q = query[j];
        a0 += q * rows[o0 + j];
        a1 += q * rows[o1 + j];
        a2 += q * rows[o2 + j];
        a3 += q * rows[o3 + j];
      }
      s[i] = a0 * scale;
      s[i + 1] = a1 * scale;
      s[i + 2] = a2 * scale;
      s[i + 3] = a3 * scale;
    }
    for (; i < n; i++) {
      int o = i * width;
      float acc = bias != null ? bias[i] : 0f;
      int j = 0;
      for (; j < groups; j += 4) {
        acc +=
            (query[j] * rows[o + j] + query[j + 1] * rows[o + j + 1])
                + (query[j + 2] * rows[o + j + 2] + query[j + 3] * rows[o + j + 3]);
      }
      for (; j < width; j++) {
        acc += query[j] * rows[o + j];
      }
      s[i] = acc * scale;
    }
  }
}
