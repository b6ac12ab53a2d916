package io.darestream.model;

/** The per-row optimizer used for embedding rows; its state lives in each row's slots. */
public enum SparseOptimizerKind {
  /** Adam with lazy moments: only rows touched by a batch update their moments and step count. */
  ADAM,
  /** Adagrad: one squared-gradient accumulator per weight. */
  ADAGRAD,
  /**
   * For exactly-once checks only, never for learning: a row's first weight counts the gradient
   * contributions it received (see {@link io.darestream.model.embedding.ContributionCounter}).
   */
  COUNT
}
