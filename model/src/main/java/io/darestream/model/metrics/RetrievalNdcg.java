package io.darestream.model.metrics;

/**
 * NDCG@K of a search stage's picks against graded ground truth, with the random-pick baseline
 * beside it (DARE Section 5.3's retrieval analysis: the reference code's attention-accuracy
 * analysis scores the picks with the mutual information of each behaviour, {@link
 * MutualInformationTruth}; a planted stream gives 0/1 gains).
 *
 * <p>Per query: {@code DCG = sum_r gain(pick_r) / log2(r + 1)} over the picks in the order the
 * search ranked them, divided by the ideal DCG of the K best gains. The baseline is the exact
 * expectation for K behaviours picked uniformly at random without replacement in random order:
 * {@code mean(gain) * sum_{r<=K} 1/log2(r + 1) / IDCG}. Queries whose ideal DCG is not positive
 * (nothing to find) are skipped and counted. Negative gains count as 0. Not thread-safe.
 */
public final class RetrievalNdcg {
  private final int k;
  private double sum;
  private double randomSum;
  private long queries;
  private long skipped;
  private double[] scratch = new double[16];

  /** An accumulator of NDCG@{@code k}. */
  public RetrievalNdcg(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    this.k = k;
  }

  /**
   * Adds one query: {@code gains[0, n)} of every behaviour of the history and {@code picks[0, m)}
   * the indices the search picked, best first (at most K count).
   *
   * @return the query's NDCG@K, or NaN when it was skipped (no positive gain)
   */
  public double add(double[] gains, int n, int[] picks, int m) {
    if (n > gains.length || m > picks.length) {
      throw new IllegalArgumentException("n or m exceeds its array");
    }
    int cut = Math.min(k, n);
    double idcg = idealDcg(gains, n, cut);
    if (!(idcg > 0)) {
      skipped++;
      return Double.NaN;
    }
    double dcg = 0;
    for (int r = 0; r < Math.min(m, cut); r++) {
      int i = picks[r];
      if (i < 0 || i >= n) {
        throw new IllegalArgumentException("pick " + i + " is not in [0, " + n + ")");
      }
      dcg += Math.max(0, gains[i]) * discount(r + 1);
    }
    double mean = 0;
    for (int i = 0; i < n; i++) {
      mean += Math.max(0, gains[i]);
    }
    mean /= n;
    double discounts = 0;
    for (int r = 1; r <= cut; r++) {
      discounts += discount(r);
    }
    double ndcg = dcg / idcg;
    sum += ndcg;
    randomSum += mean * discounts / idcg;
    queries++;
    return ndcg;
  }

  /**
   * Adds every query of {@code other} (same K) to this accumulator, as if they had been added here:
   * per-bucket accumulators merge into wider buckets or a total.
   */
  public void addAll(RetrievalNdcg other) {
    if (other.k != k) {
      throw new IllegalArgumentException("cannot merge NDCG@" + other.k + " into NDCG@" + k);
    }
    sum += other.sum;
    randomSum += other.randomSum;
    queries += other.queries;
    skipped += other.skipped;
  }

  private double idealDcg(double[] gains, int n, int cut) {
    if (scratch.length < n) {
      scratch = new double[Math.max(n, scratch.length * 2)];
    }
    double[] g = scratch;
    for (int i = 0; i < n; i++) {
      g[i] = -Math.max(0, gains[i]);
    }
    java.util.Arrays.sort(g, 0, n);
    double idcg = 0;
    for (int r = 0; r < cut; r++) {
      idcg += -g[r] * discount(r + 1);
    }
    return idcg;
  }

  /** {@code 1 / log2(rank + 1)}, rank from 1. */
  static double discount(int rank) {
    return Math.log(2) / Math.log(rank + 1.0);
  }

  /** K. */
  public int k() {
    return k;
  }

  /** Mean NDCG@K over the counted queries (NaN before the first). */
  public double ndcg() {
    return queries == 0 ? Double.NaN : sum / queries;
  }

  /** Mean expected NDCG@K of uniformly random picks over the same queries. */
  public double randomNdcg() {
    return queries == 0 ? Double.NaN : randomSum / queries;
  }

  /** Queries counted. */
  public long queries() {
    return queries;
  }

  /** Queries skipped because no behaviour had a positive gain. */
  public long skipped() {
    return skipped;
  }
}
