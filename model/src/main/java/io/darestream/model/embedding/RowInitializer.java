package io.darestream.model.embedding;

import java.nio.charset.StandardCharsets;

/**
 * Counter-based N(0, std) initialisation of embedding rows: value {@code j} of row {@code id} in
 * table {@code name} is a pure function of (seed, name, id, j), so every replica, a restored
 * trainer and serving create bit-identical rows without coordination (DESIGN.md section 4).
 *
 * <p>Uses SplitMix64 hashes of the counters and a Box-Muller transform computed with {@link
 * StrictMath}, which is specified to give the same bits on every JVM ({@link Fdlibm}: the same
 * functions in Java, bit for bit).
 */
public final class RowInitializer {
  private final long seed;
  private final long tableKey;
  private final float std;

  public RowInitializer(long seed, String tableName, float std) {
    this.seed = seed;
    this.tableKey = fnv1a64(tableName);
    this.std = std;
  }

  /** Writes the initial weights of row {@code id} into {@code dst[off .. off + dim)}. */
  public void fill(long id, float[] dst, int off, int dim) {
    long rowKey = mix(mix(seed ^ tableKey) ^ mix(id));
    double[] sc = new double[4];
    for (int j = 0; j < dim; j += 2) {
      long h1 = mix(rowKey + 2L * j + 1);
      long h2 = mix(rowKey + 2L * j + 2);
      // 53-bit uniforms; u1 in (0, 1] so the logarithm is finite.
      double u1 = ((h1 >>> 11) + 1) * 0x1.0p-53;
      double u2 = (h2 >>> 11) * 0x1.0p-53;
      // Fdlibm: StrictMath's bits without its JNI calls (StrictMath.log/sin/cos are native on 17).
      double r = StrictMath.sqrt(-2.0 * Fdlibm.log(u1));
      double theta = 2.0 * StrictMath.PI * u2;
      Fdlibm.sinCos(theta, sc);
      dst[off + j] = (float) (std * r * sc[1]);
      if (j + 1 < dim) {
        dst[off + j + 1] = (float) (std * r * sc[0]);
      }
    }
  }

  static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static long fnv1a64(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return h;
  }
}
