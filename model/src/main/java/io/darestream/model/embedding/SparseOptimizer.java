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
   * trainers). A real optimizer steps once on the sum; only the counting optimizer of the
   * exactly-once tests reads the count.
   */
  default void step(
      float[] w, int wOff, float[] s, int sOff, int dim, float[] g, int gOff, int contributions) {
    step(w, wOff, s, sOff, dim, g, gOff);
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
