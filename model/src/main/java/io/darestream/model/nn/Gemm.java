package io.darestream.model.nn;

import io.darestream.model.VectorKernels;

/**
 * The dense kernel of the MLP: {@code C += A B} on row-major float arrays, each element of {@code
 * C} a chain of fused multiply-adds over the depth index in ascending order, started from the
 * element's current value.
 *
 * <p>Two implementations compute the same bits. {@link VectorGemm} keeps a 4 x 2-vector tile of
 * {@code C} in registers (the Vector API, {@code jdk.incubator.vector} in Java 17); it is used when
 * the JVM runs with {@code --add-modules jdk.incubator.vector}. {@link ScalarGemm} is the fallback:
 * the same fused multiply-adds in the same order per element, so a trainer and a serving process
 * score bit for bit alike whichever of the two each one runs. {@code -Ddare.vector=false} forces
 * the fallback.
 */
public final class Gemm {
  private static final Kernel KERNEL = choose();

  /** One implementation of {@link Gemm#multiplyAdd}. */
  interface Kernel {
    void multiplyAdd(
        int rows,
        int cols,
        int depth,
        float[] a,
        int aOff,
        int aRowStride,
        int aDepthStride,
        float[] b,
        int bOff,
        int bRowStride,
        float[] c,
        int cOff,
        int cRowStride);
  }

  private Gemm() {}

  /**
   * {@code c[r][j] = fma(a[r][k], b[k][j], c[r][j])} for {@code k = 0 .. depth-1} in order, for
   * every {@code r < rows}, {@code j < cols}.
   *
   * <p>Element {@code a[r][k]} is {@code a[aOff + r * aRowStride + k * aDepthStride]} (so {@code A}
   * may be read transposed), {@code b[k][j]} is {@code b[bOff + k * bRowStride + j]} and {@code
   * c[r][j]} is {@code c[cOff + r * cRowStride + j]}. {@code C} must not overlap {@code A} or
   * {@code B}.
   */
  public static void multiplyAdd(
      int rows,
      int cols,
      int depth,
      float[] a,
      int aOff,
      int aRowStride,
      int aDepthStride,
      float[] b,
      int bOff,
      int bRowStride,
      float[] c,
      int cOff,
      int cRowStride) {
    KERNEL.multiplyAdd(
        rows,
        cols,
        depth,
        a,
        aOff,
        aRowStride,
        aDepthStride,
        b,
        bOff,
        bRowStride,
        c,
        cOff,
        cRowStride);
  }

  /** Whether this JVM runs the Vector API kernel (else the scalar fallback). */
  public static boolean vectorised() {
    return !(KERNEL instanceof ScalarGemm);
  }

  private static Kernel choose() {
    return VectorKernels.choose("io.darestream.model.nn.VectorGemm", Kernel.class, ScalarGemm::new);
  }
}
