package io.darestream.model.search;

/**
 * Reusable result of a top-K search: behaviour indices and their scores, best first (ties broken by
 * the lower index, i.e. the newer behaviour, so results are deterministic).
 */
public final class TopK {
  // Inputs of at least this many times K (serving's long histories) are filtered by a lower
  // bound first; on short ones the bound costs more than the sifts it saves.
  private static final int FILTER_FROM = 16;

  private final int k;
  private final int[] indices;
  private final float[] scores;
  private final float[] groupMax;
  private int size;

  public TopK(int k) {
    this.k = k;
    this.indices = new int[k];
    this.scores = new float[k];
    this.groupMax = new float[k];
  }

  /** Capacity K. */
  public int k() {
    return k;
  }

  /** Selected behaviours: {@code min(K, L)}. */
  public int size() {
    return size;
  }

  /** History index of the {@code r}-th best behaviour. */
  public int index(int r) {
    return indices[r];
  }

  /** Score of the {@code r}-th best behaviour. */
  public float score(int r) {
    return scores[r];
  }

  /**
   * Selects the best {@code min(K, n)} of {@code s[0..n)} with a size-K min-heap, sorted best
   * first.
   *
   * <p>The heap sifts for every score that beats its root; on a history whose scores rise with age
   * that is nearly every score. Long inputs therefore get a lower bound first: split into K
   * interleaved groups ({@code i mod K}), the K group maxima are K distinct scores, so the K-th
   * best score is at least the smallest of them, and a score below that bound is skipped. The
   * selected set and its order are exactly those of the plain heap, ties included.
   */
  void select(float[] s, int n) {
    int m = Math.min(k, n);
    size = m;
    if (m == 0) {
      return;
    }
    // A score below the bound cannot be among the best K (NEGATIVE_INFINITY: no filter).
    float bound = n < FILTER_FROM * k ? Float.NEGATIVE_INFINITY : lowerBound(s, n);
    // Heap ordered worst-first at the root.
    for (int i = 0; i < m; i++) {
      indices[i] = i;
      scores[i] = s[i];
      siftUp(i);
    }
    float rootScore = scores[0];
    for (int i = m; i < n; i++) {
      float v = s[i];
      // Later indices lose ties, so only strictly better scores enter. One branch for both
      // tests (&, not &&): it is almost never taken, so it is almost always predicted.
      if (v > rootScore & v >= bound) {
        indices[0] = i;
        scores[0] = v;
        siftDown(0, m);
        rootScore = scores[0];
      }
    }
    // Heap sort in place: repeatedly move the worst to the end.
    for (int end = m - 1; end > 0; end--) {
      swap(0, end);
      siftDown(0, end);
    }
  }

  /** The smallest of the maxima of the K groups {@code i mod K} (n >= K). */
  private float lowerBound(float[] s, int n) {
    float[] g = groupMax;
    System.arraycopy(s, 0, g, 0, k);
    int base = k;
    for (; base + k <= n; base += k) {
      for (int j = 0; j < k; j++) {
        // A branch, not Math.max (NaN and -0 handling make that a chain of several instructions):
        // after the first groups it is almost never taken, and well predicted either way.
        float v = s[base + j];
        if (v > g[j]) {
          g[j] = v;
        }
      }
    }
    float bound = g[0];
    for (int j = 1; j < k; j++) {
      bound = Math.min(bound, g[j]);
    }
    return bound;
  }

  /** Selects every behaviour {@code 0..n-1} in history order (the full-softmax path). */
  void selectAll(float[] s, int n) {
    if (n > k) {
      throw new IllegalArgumentException("selectAll of " + n + " exceeds capacity " + k);
    }
    size = n;
    for (int i = 0; i < n; i++) {
      indices[i] = i;
      scores[i] = s[i];
    }
  }

  /** a is worse than b: lower score, or equal score and later (older) behaviour. */
  private boolean worse(int a, int b) {
    return scores[a] < scores[b] || (scores[a] == scores[b] && indices[a] > indices[b]);
  }

  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (worse(i, parent)) {
        swap(i, parent);
        i = parent;
      } else {
        return;
      }
    }
  }

  private void siftDown(int i, int n) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= n) {
        return;
      }
      int worst = l;
      int r = l + 1;
      if (r < n && worse(r, l)) {
        worst = r;
      }
      if (worse(worst, i)) {
        swap(worst, i);
        i = worst;
      } else {
        return;
      }
    }
  }

  private void swap(int a, int b) {
    int ti = indices[a];
    indices[a] = indices[b];
    indices[b] = ti;
    float ts = scores[a];
    scores[a] = scores[b];
    scores[b] = ts;
  }
}
