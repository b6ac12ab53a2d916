package io.darestream.model.embedding;

import io.darestream.model.SparseOptimizerKind;

/**
 * A per-row optimizer for embedding rows. Its state for a row lives in that row's optimizer slots
 * (so it is persisted and restored with the row); only rows with a gradient are touched.
 */
public interface SparseOptimizer {
  /** Floats of optimizer state per row of {@code dim} weights. */
  int slotWidth(int dim);

  /**
   * Applies gradient {@code g[gOff .. gOff + dim)} to weights {@code w[wOff ..)} using and updating
   * the state {@code s[sOff .. sOff + slotWidth(dim))}.
   */
  void step(float[] w, int wOff, float[] s, int sOff, int dim, float[] g, int gOff);

  /**
   * As {@link #step(float[], int, float[], int, int, float[], int)} for a gradient that sums {@code
   * contributions} micro-batches' gradients of the row (a coalesced window of the sharded
   * trainers): {@code contributions} steps, each with the mean gradient {@code g / contributions}.
   *
   * <p>Why not one step on the sum: an adaptive optimizer normalises the step by the gradient's
   * scale, so one Adam step on the sum of k micro-batches' gradients moves a row about as far as
   * one step on one of them, where the single trainer, which steps once per micro-batch, moves it k
   * times as far. Stepping once per contribution keeps a hot row's learning rate what it is with
   * one trainer (exactly so when the micro-batches' gradients are equal) at the cost the single
   * trainer pays anyway: one row update per micro-batch that touched it.
   */
  default void step(
      float[] w, int wOff, float[] s, int sOff, int dim, float[] g, int gOff, int contributions) {
    if (contributions <= 1) {
      step(w, wOff, s, sOff, dim, g, gOff);
      return;
    }
    float[] mean = new float[dim];
    float inverse = 1f / contributions;
    for (int j = 0; j < dim; j++) {
      mean[j] = g[gOff + j] * inverse;
    }
    for (int c = 0; c < contributions; c++) {
      step(w, wOff, s, sOff, dim, mean, 0);
    }
  }

  /** The optimizer for {@code kind} with learning rate {@code lr}. */
  static SparseOptimizer of(SparseOptimizerKind kind, float lr) {
    return switch (kind) {
      case ADAM -> new LazyAdam(lr);
      case ADAGRAD -> new Adagrad(lr);
      case COUNT -> new ContributionCounter();
    };
  }
}
