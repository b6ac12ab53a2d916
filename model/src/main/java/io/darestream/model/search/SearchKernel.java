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
    int cap = keys.capacity();
    int width = keys.width();
    float[] s = scores;
    float[] cols = keys.columns();
    if (bias != null) {
      System.arraycopy(bias, 0, s, 0, n);
    } else {
      java.util.Arrays.fill(s, 0, n, 0f);
    }
    for (int j = 0; j < width; j++) {
      float qj = query[j];
      int base = j * cap;
      for (int i = 0; i < n; i++) {
        s[i] += qj * cols[base + i];
      }
    }
    for (int i = 0; i < n; i++) {
      s[i] *= scale;
    }
    return n;
  }
}
