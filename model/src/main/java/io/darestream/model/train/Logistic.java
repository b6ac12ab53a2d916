package io.darestream.model.train;

/** The click probability and its loss (DARE Section 4: sigmoid output, binary cross-entropy). */
final class Logistic {
  private Logistic() {}

  static float sigmoid(float z) {
    return (float) (1.0 / (1.0 + Math.exp(-z)));
  }

  /** Binary cross-entropy from the logit, stable for large |z|. */
  static double crossEntropy(float z, int y) {
    return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  }
}
