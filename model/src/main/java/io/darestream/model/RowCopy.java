package io.darestream.model;

/**
 * Copies of short float ranges: embedding rows (16-48 floats) between the tables and the network's
 * scratch, tens of thousands per training step, most of them a cache miss.
 *
 * <p>{@code System.arraycopy} with a run-time length calls a stub per copy, and its misses wait one
 * behind the other (a probe: 22-100 ns per uncached 16-float row against 11-35 ns for two vector
 * loads and stores, whose misses overlap across copies; 6-11 ns against 3 ns cached). The Vector
 * API kernel ({@link VectorKernels}) copies whole vectors and the remainder element by element;
 * without the module the copy is {@code System.arraycopy}. A copy is a copy: the same bits either
 * way.
 */
public final class RowCopy {
  private static final Kernel KERNEL =
      VectorKernels.choose("io.darestream.model.VectorRowCopy", Kernel.class, ArrayCopy::new);

  /** One implementation of {@link RowCopy#copy}. */
  interface Kernel {
    void copy(float[] src, int srcOff, float[] dst, int dstOff, int len);
  }

  private RowCopy() {}

  /**
   * {@code dst[dstOff + j] = src[srcOff + j]} for {@code j < len}; the two ranges must not overlap
   * (distinct arrays, as every caller has).
   */
  public static void copy(float[] src, int srcOff, float[] dst, int dstOff, int len) {
    KERNEL.copy(src, srcOff, dst, dstOff, len);
  }

  /** The fallback without the Vector API. */
  static final class ArrayCopy implements Kernel {
    @Override
    public void copy(float[] src, int srcOff, float[] dst, int dstOff, int len) {
      System.arraycopy(src, srcOff, dst, dstOff, len);
    }
  }
}
