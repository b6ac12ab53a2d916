package io.darestream.jobs.shard;

/**
 * The row owners' guard against non-finite gradients: a NaN or infinity in a row's gradient sum (a
 * diverged trainer replica, an overflow) would make the row's weights and Adam moments NaN for
 * good, and the owner would publish it to serving and to every trainer's replica. Such rows are
 * left out of the batch (the owner counts them); the other rows of the batch are applied.
 */
final class FiniteGradients {
  private FiniteGradients() {}

  /**
   * {@code b} itself if every gradient float is finite, null if no row is, else a batch of only the
   * rows whose gradient is finite.
   */
  static GradientBatch finiteRows(GradientBatch b) {
    int dim = b.dim();
    float[] sums = b.sums();
    int n = b.size();
    boolean[] finite = new boolean[n];
    int kept = 0;
    for (int r = 0; r < n; r++) {
      boolean ok = true;
      for (int j = r * dim, end = j + dim; j < end && ok; j++) {
        ok = Float.isFinite(sums[j]);
      }
      finite[r] = ok;
      if (ok) {
        kept++;
      }
    }
    return b.keepOnly(finite, kept);
  }
}
