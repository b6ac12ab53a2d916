package io.darestream.model.embedding;

/**
 * A "sparse optimizer" that learns nothing and counts: every gradient contribution a row receives
 * adds one to its counter slot, and the row's first weight mirrors the counter (so the count is
 * published in the row's delta and can be read without the optimizer slots). It exists to prove
 * exactly-once training across failures and rescales: after any history of restores, each row's
 * count must equal the number of micro-batches whose gradient touched it. Never used to learn.
 *
 * <p>Slot layout per row: the count at {@code s[sOff]}. Counts are exact up to 2^24.
 */
public final class ContributionCounter implements SparseOptimizer {
  @Override
  public int slotWidth(int dim) {
    return 1;
  }

  @Override
  public void step(float[] w, int wOff, float[] s, int sOff, int dim, float[] g, int gOff) {
    step(w, wOff, s, sOff, dim, g, gOff, 1);
  }

  @Override
  public void step(
      float[] w, int wOff, float[] s, int sOff, int dim, float[] g, int gOff, int contributions) {
    s[sOff] += contributions;
    w[wOff] = s[sOff];
  }
}
