package io.darestream.model.embedding;

/** Adagrad: slot layout per row is the squared-gradient accumulator {@code acc[0..dim)}. */
public final class Adagrad implements SparseOptimizer {
  private static final float EPS = 1e-8f;
  private final float lr;

  public Adagrad(float lr) {
    this.lr = lr;
  }

  @Override
  public int slotWidth(int dim) {
    return dim;
  }

  @Override
  public void step(float[] w, int wOff, float[] s, int sOff, int dim, float[] g, int gOff) {
    for (int j = 0; j < dim; j++) {
      float gj = g[gOff + j];
      float acc = s[sOff + j] + gj * gj;
      s[sOff + j] = acc;
      w[wOff + j] -= lr * gj / ((float) Math.sqrt(acc) + EPS);
    }
  }
}
