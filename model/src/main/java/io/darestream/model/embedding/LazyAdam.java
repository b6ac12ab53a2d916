package io.darestream.model.embedding;

import io.darestream.model.VectorKernels;

/**
 * Adam with lazy moments: a row's first and second moments and its own step count advance only when
 * the row gets a gradient, so rare ids are not decayed by batches that never saw them.
 *
 * <p>Slot layout per row: {@code m[0..dim)}, {@code v[dim..2dim)}, {@code step} at {@code 2dim}.
 */
public final class LazyAdam implements SparseOptimizer {
  static final float BETA1 = 0.9f;
  static final float BETA2 = 0.999f;
  static final float EPS = 1e-8f;
  private static final Update UPDATE =
      VectorKernels.choose(
          "io.darestream.model.embedding.VectorAdamUpdate", Update.class, ScalarUpdate::new);

  /** Bias corrections for the first steps, the same expressions as below, precomputed. */
  private static final int TABLE = 4096;

  private static final float[] C1 = new float[TABLE];
  private static final float[] C2 = new float[TABLE];

  static {
    for (int t = 1; t < TABLE; t++) {
      C1[t] = 1f / (1f - (float) Math.pow(BETA1, (float) t));
      C2[t] = 1f / (1f - (float) Math.pow(BETA2, (float) t));
    }
  }

  private final float lr;

  public LazyAdam(float lr) {
    this.lr = lr;
  }

  @Override
  public int slotWidth(int dim) {
    return 2 * dim + 1;
  }

  @Override
  public void step(float[] w, int wOff, float[] s, int sOff, int dim, float[] g, int gOff) {
    int tOff = sOff + 2 * dim;
    float t = s[tOff] + 1f;
    s[tOff] = t;
    // Two Math.pow per row update were ~1/3 of this method; most rows are young.
    int ti = (int) t;
    float c1 = ti < TABLE ? C1[ti] : 1f / (1f - (float) Math.pow(BETA1, t));
    float c2 = ti < TABLE ? C2[ti] : 1f / (1f - (float) Math.pow(BETA2, t));
    UPDATE.update(w, wOff, s, sOff, dim, g, gOff, lr, c1, c2);
  }

  /**
   * The element loop of a row's step: moments, then weights, with the bias corrections given. The
   * second moments follow the first: {@code s[mOff + dim ..]}.
   */
  interface Update {
    void update(
        float[] w,
        int wOff,
        float[] s,
        int mOff,
        int dim,
        float[] g,
        int gOff,
        float lr,
        float c1,
        float c2);
  }

  /**
   * The loop without the Vector API; {@link #range} (elements {@code from .. dim} of a row) is also
   * the tail of {@link VectorAdamUpdate}'s rows.
   */
  static final class ScalarUpdate implements Update {
    @Override
    public void update(
        float[] w,
        int wOff,
        float[] s,
        int mOff,
        int dim,
        float[] g,
        int gOff,
        float lr,
        float c1,
        float c2) {
      range(w, wOff, s, mOff, 0, dim, g, gOff, lr, c1, c2);
    }

    static void range(
        float[] w,
        int wOff,
        float[] s,
        int mOff,
        int from,
        int dim,
        float[] g,
        int gOff,
        float lr,
        float c1,
        float c2) {
      int vOff = mOff + dim;
      for (int j = from; j < dim; j++) {
        float gj = g[gOff + j];
        float m = BETA1 * s[mOff + j] + (1 - BETA1) * gj;
        float v = BETA2 * s[vOff + j] + (1 - BETA2) * gj * gj;
        s[mOff + j] = m;
        s[vOff + j] = v;
        w[wOff + j] -= lr * (m * c1) / ((float) Math.sqrt(v * c2) + EPS);
      }
    }
  }
}
