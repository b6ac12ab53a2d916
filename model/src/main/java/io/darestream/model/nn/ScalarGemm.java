package io.darestream.model.nn;

/**
 * {@link Gemm} without the Vector API: per element of {@code C} the same chain of {@link Math#fma}
 * over the depth index as {@link VectorGemm}, hence the same bits.
 *
 * <p>HotSpot 17 vectorises {@code c[j] = fma(x, b[j], c[j])} only when both arrays are indexed from
 * 0 (with any offset it runs scalar, about 8x slower), so each call copies the rows of {@code B}
 * and, one at a time, the row of {@code C} into per-thread row buffers.
 */
final class ScalarGemm implements Gemm.Kernel {
  private static final ThreadLocal<Rows> SCRATCH = ThreadLocal.withInitial(Rows::new);

  /** Per-thread row buffers, grown on demand. */
  private static final class Rows {
    float[][] b = new float[0][];
    float[] c = new float[0];

    float[][] b(int depth, int width) {
      if (b.length < depth || (depth > 0 && b[0].length < width)) {
        b = new float[Math.max(depth, b.length)][Math.max(width, b.length == 0 ? 0 : b[0].length)];
      }
      return b;
    }

    float[] c(int width) {
      if (c.length < width) {
        c = new float[width];
      }
      return c;
    }
  }

  @Override
  public void multiplyAdd(
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
    columns(
        0,
        cols,
        rows,
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

  /** The product restricted to columns {@code [from, to)}; also the vector kernel's tail. */
  static void columns(
      int from,
      int to,
      int rows,
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
    int width = to - from;
    if (width <= 0 || rows <= 0) {
      return;
    }
    if (width == 1) {
      column(
          rows,
          depth,
          a,
          aOff,
          aRowStride,
          aDepthStride,
          b,
          bOff + from,
          bRowStride,
          c,
          cOff + from,
          cRowStride);
      return;
    }
    Rows scratch = SCRATCH.get();
    float[][] bRows = scratch.b(depth, width);
    for (int k = 0; k < depth; k++) {
      System.arraycopy(b, bOff + k * bRowStride + from, bRows[k], 0, width);
    }
    float[] y = scratch.c(width);
    for (int r = 0; r < rows; r++) {
      int ci = cOff + r * cRowStride + from;
      int ai = aOff + r * aRowStride;
      System.arraycopy(c, ci, y, 0, width);
      for (int k = 0; k < depth; k++) {
        fmaRow(a[ai + k * aDepthStride], bRows[k], y, width);
      }
      System.arraycopy(y, 0, c, ci, width);
    }
  }

  /**
   * One column of {@code C} (the MLP's logit layer and its weight gradient): a chain of {@code
   * depth} fused multiply-adds per element, four elements' chains side by side so that each waits
   * less on its own previous result.
   */
  private static void column(
      int rows,
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
    int r = 0;
    for (; r + 3 < rows; r += 4) {
      int a0 = aOff + r * aRowStride;
      int a1 = a0 + aRowStride;
      int a2 = a1 + aRowStride;
      int a3 = a2 + aRowStride;
      int c0 = cOff + r * cRowStride;
      float y0 = c[c0];
      float y1 = c[c0 + cRowStride];
      float y2 = c[c0 + 2 * cRowStride];
      float y3 = c[c0 + 3 * cRowStride];
      for (int k = 0; k < depth; k++) {
        float bk = b[bOff + k * bRowStride];
        int at = k * aDepthStride;
        y0 = Math.fma(a[a0 + at], bk, y0);
        y1 = Math.fma(a[a1 + at], bk, y1);
        y2 = Math.fma(a[a2 + at], bk, y2);
        y3 = Math.fma(a[a3 + at], bk, y3);
      }
      c[c0] = y0;
      c[c0 + cRowStride] = y1;
      c[c0 + 2 * cRowStride] = y2;
      c[c0 + 3 * cRowStride] = y3;
    }
    for (; r < rows; r++) {
      int ai = aOff + r * aRowStride;
      int ci = cOff + r * cRowStride;
      float y = c[ci];
      for (int k = 0; k < depth; k++) {
        y = Math.fma(a[ai + k * aDepthStride], b[bOff + k * bRowStride], y);
      }
      c[ci] = y;
    }
  }

  private static void fmaRow(float x, float[] b, float[] y, int width) {
    for (int j = 0; j < width; j++) {
      y[j] = Math.fma(x, b[j], y[j]);
    }
  }
}
