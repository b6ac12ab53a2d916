package io.darestream.model.nn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gradient of the loss with respect to every dense parameter block of a {@link DenseParameters},
 * same names and layouts; accumulated by backward passes, consumed by {@link DenseAdam}.
 */
public final class DenseGradient {
  private final Map<String, float[]> blocks = new LinkedHashMap<>();

  public DenseGradient(DenseParameters params) {
    params.liveParams().forEach((n, a) -> blocks.put(n, new float[a.length]));
  }

  /** Live gradient block {@code name}. */
  public float[] block(String name) {
    float[] g = blocks.get(name);
    if (g == null) {
      throw new IllegalArgumentException("unknown dense block '" + name + "'");
    }
    return g;
  }

  public void clear() {
    blocks.values().forEach(a -> java.util.Arrays.fill(a, 0f));
  }

  Map<String, float[]> all() {
    return blocks;
  }
}
