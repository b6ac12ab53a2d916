package io.darestream.model.nn;

import java.util.Map;

/** Adam for the dense parameters, with its moments stored in {@link DenseParameters}. */
public final class DenseAdam {
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPS = 1e-8f;
  private final float lr;
  private final Map<String, Float> blockRates;

  public DenseAdam(float lr) {
    this(lr, Map.of());
  }

  /** Adam at {@code lr}, except for the blocks named in {@code blockRates}, at their own rate. */
  public DenseAdam(float lr, Map<String, Float> blockRates) {
    this.lr = lr;
    this.blockRates = Map.copyOf(blockRates);
  }

  /** One step over every block using {@code grad}. */
  public void step(DenseParameters params, DenseGradient grad) {
    float[] stepCell = params.stepCell();
    float t = stepCell[0] + 1f;
    stepCell[0] = t;
    float c1 = 1f / (1f - (float) Math.pow(BETA1, t));
    float c2 = 1f / (1f - (float) Math.pow(BETA2, t));
    for (Map.Entry<String, float[]> e : params.liveParams().entrySet()) {
      float rate = blockRates.getOrDefault(e.getKey(), lr);
      float[] w = e.getValue();
      float[] g = grad.block(e.getKey());
      float[] m = params.firstMoment(e.getKey());
      float[] v = params.secondMoment(e.getKey());
      for (int i = 0; i < w.length; i++) {
        float gi = g[i];
        float mi = BETA1 * m[i] + (1 - BETA1) * gi;
        float vi = BETA2 * v[i] + (1 - BETA2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] -= rate * (mi * c1) / ((float) Math.sqrt(vi * c2) + EPS);
      }
    }
  }
}
