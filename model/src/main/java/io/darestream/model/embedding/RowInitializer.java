package io.darestream.model.embedding;

import io.darestream.state.collections.Mix64;
import java.nio.charset.StandardCharsets;

/**
 * Counter-based N(0, std) initialisation of embedding rows: value {@code j} of row {@code id} in
 * table {@code name} is a pure function of (seed, name, id, j), so every replica, a restored
 * trainer and serving create bit-identical rows without coordination (DESIGN.md section 4).
 *
 * <p>One SplitMix64 hash per four values; each 16-bit quarter of the hash picks one of 65,536
 * equiprobable N(0, 1) quantiles (a table built once, in plain double arithmetic, which Java
 * specifies bit for bit on every JVM). A training step initialises the never-trained items of every
 * history it gathers, tens of thousands per batch, so the cost per row matters: a row of 16 is 4
 * hashes and 16 table reads, where a Box-Muller transform needed 8 logarithms, sines and cosines.
 * The values are a discretised normal (steps of at most ~0.0005 sigma within 3 sigma, tails to 4.3
 * sigma), which is all an initialisation needs.
 */
public final class RowInitializer {
  private static final int QUANTILE_BITS = 16;
  private static final float[] NORMAL_QUANTILES = normalQuantiles(1 << QUANTILE_BITS);

  private final long tableSeed;
  private final float std;

  public RowInitializer(long seed, String tableName, float std) {
    this.tableSeed = Mix64.mix(seed ^ fnv1a64(tableName));
    this.std = std;
  }

  /** Writes the initial weights of row {@code id} into {@code dst[off .. off + dim)}. */
  public void fill(long id, float[] dst, int off, int dim) {
    long rowKey = Mix64.mix(tableSeed ^ Mix64.mix(id));
    float[] q = NORMAL_QUANTILES;
    int j = 0;
    for (; j + 4 <= dim; j += 4) {
      long h = Mix64.mix(rowKey + j);
      dst[off + j] = std * q[(int) h & 0xFFFF];
      dst[off + j + 1] = std * q[(int) (h >>> 16) & 0xFFFF];
      dst[off + j + 2] = std * q[(int) (h >>> 32) & 0xFFFF];
      dst[off + j + 3] = std * q[(int) (h >>> 48) & 0xFFFF];
    }
    if (j < dim) {
      long h = Mix64.mix(rowKey + j);
      for (int k = 0; j + k < dim; k++) {
        dst[off + j + k] = std * q[(int) (h >>> (16 * k)) & 0xFFFF];
      }
    }
  }

  static long fnv1a64(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** {@code out[k] = Phi^-1((k + 0.5) / n)}, mirrored so that the table is exactly symmetric. */
  static float[] normalQuantiles(int n) {
    float[] out = new float[n];
    for (int k = 0; k < n / 2; k++) {
      float x = (float) inverseNormalCdf((k + 0.5) / n);
      out[k] = x;
      out[n - 1 - k] = -x;
    }
    return out;
  }

  /**
   * Acklam's rational approximation of the standard normal quantile (relative error below 1.2e-9,
   * far below float precision); {@link StrictMath} keeps the table identical on every JVM.
   */
  static double inverseNormalCdf(double p) {
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("p must be in (0, 1), got " + p);
    }
    final double pLow = 0.02425;
    if (p < pLow) {
      return lowerTail(p);
    }
    if (p > 1 - pLow) {
      return -lowerTail(1 - p);
    }
    double q = p - 0.5;
    double r = q * q;
    double num =
        (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
                            + 1.383577518672690e+02)
                        * r
                    - 3.066479806614716e+01)
                * r
            + 2.506628277459239e+00);
    double den =
        (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                            + 6.680131188771972e+01)
                        * r
                    - 1.328068155288572e+01)
                * r
            + 1);
    return num * q / den;
  }

  private static double lowerTail(double p) {
    double q = StrictMath.sqrt(-2 * StrictMath.log(p));
    double num =
        (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
                            - 2.549732539343734e+00)
                        * q
                    + 4.374664141464968e+00)
                * q
            + 2.938163982698783e+00);
    double den =
        ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
                    + 3.754408661907416e+00)
                * q
            + 1);
    return num / den;
  }
}
