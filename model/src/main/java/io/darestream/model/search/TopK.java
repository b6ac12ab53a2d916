package io.darestream.model.search;

/**
 * Reusable result of a top-K search: behaviour indices and their scores, best first (ties broken by
 * the lower index, i.e. the newer behaviour, so results are deterministic).
 */
public final class TopK {
  // Serving's long histories: the JVM's scan (vectorised where it can be). Below LONG_INPUT
  // (training's L = 200): the scalar one. Vector API code runs allocating and slow until C2 has
  // compiled it, which in a busy trainer JVM takes minutes, and at 200 scores it measured no
  // faster than the scalar scan.
  private static final int LONG_INPUT = 512;

  private final int k;
  private final ScoreScan scan;
  private final ScoreScan shortScan = ScoreScan.scalar();
  private final int[] indices;
  private final float[] scores;
  // Indices that pass the filter; grown to the longest input once, then reused.
  private int[] passed = new int[0];
  private final float[] boundScratch;
  private int size;

  public TopK(int k) {
    this(k, ScoreScan.get());
  }

  TopK(int k, ScoreScan scan) {
    this.k = k;
    this.scan = scan;
    this.indices = new int[k];
    this.scores = new float[k];
    this.boundScratch = new float[Math.max(scan.groups(k), shortScan.groups(k)) + k];
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
   * Selects the best {@code min(K, n)} of {@code s[0..n)}, best first; ties go to the lower index
   * (the newer behaviour), and a NaN score ranks below every number.
   *
   * <p>The selection is a sorted array of K: a score enters only if it beats the K-th held, and
   * slides in from the end (K is small; no heap to sort afterwards). Long inputs get a lower bound
   * first: the K-th largest of the maxima of at least K disjoint groups is a score that K scores
   * reach (see {@link ScoreScan}); only the scores that reach it are collected (a vectorised pass
   * where the JVM allows) and offered. On a history whose scores rise with age that skips nearly
   * every insertion. The selected set and its order are exactly those of a full sort.
   */
  public void select(float[] s, int n) {
    size = 0;
    int m = Math.min(k, n);
    if (m == 0) {
      return;
    }
    ScoreScan sc = n >= LONG_INPUT ? scan : shortScan;
    float bound = n < sc.filterFrom(k) ? Float.NaN : sc.lowerBound(s, n, k, boundScratch);
    if (Float.isNaN(bound)) {
      for (int i = 0; i < n; i++) {
        offer(i, s[i], m);
      }
      return;
    }
    if (passed.length < n) {
      passed = new int[n];
    }
    int count = sc.collect(s, n, bound, passed);
    for (int p = 0; p < count; p++) {
      int i = passed[p];
      offer(i, s[i], m);
    }
  }

  /** Offers score {@code v} of index {@code i}, larger than every index offered before. */
  private void offer(int i, float v, int m) {
    int p = size;
    if (p == m) {
      float last = scores[m - 1];
      // A later index loses ties: only a strictly better score (or a number over a NaN) enters.
      if (!(v > last || (last != last && v == v))) {
        return;
      }
      p = m - 1;
    } else {
      size++;
    }
    while (p > 0 && ranksBelow(scores[p - 1], v)) {
      scores[p] = scores[p - 1];
      indices[p] = indices[p - 1];
      p--;
    }
    scores[p] = v;
    indices[p] = i;
  }

  /** Whether a held score {@code held} ranks below a later one {@code v} (ties: the held wins). */
  private static boolean ranksBelow(float held, float v) {
    return held < v || (held != held && v == v);
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
}
