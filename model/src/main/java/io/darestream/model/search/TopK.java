package io.darestream.model.search;

/**
 * Reusable result of a top-K search: behaviour indices and their scores, best first (ties broken by
 * the lower index, i.e. the newer behaviour, so results are deterministic).
 */
public final class TopK {
  private final int k;
  private final int[] indices;
  private final float[] scores;
  private int size;

  public TopK(int k) {
    this.k = k;
    this.indices = new int[k];
    this.scores = new float[k];
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
   * Selects the best {@code min(K, n)} of {@code s[0..n)} with a size-K min-heap (O(n log K), most
   * candidates rejected by one comparison against the heap root), then sorts them best first.
   */
  void select(float[] s, int n) {
    int m = Math.min(k, n);
    size = m;
    if (m == 0) {
      return;
    }
    // Heap ordered worst-first at the root.
    for (int i = 0; i < m; i++) {
      indices[i] = i;
      scores[i] = s[i];
      siftUp(i);
    }
    float rootScore = scores[0];
    for (int i = m; i < n; i++) {
      float v = s[i];
      // Later indices lose ties, so only strictly better scores enter.
      if (v > rootScore) {
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
