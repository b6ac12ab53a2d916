package io.darestream.model.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm} on the Vector API: tiles of 4 rows by 2 vectors of {@code C} stay in registers for
 * the whole depth loop, so each loaded vector of {@code B} feeds four fused multiply-adds (the
 * auto-vectorised scalar loop loads and stores {@code C} at every step). Column tiles are the outer
 * loop: a tile's {@code depth x 2} vectors of {@code B} stay in L1 across all rows.
 *
 * <p>Loaded only after {@link Gemm} checked that {@code jdk.incubator.vector} is in the boot layer.
 * Every lane computes the chain of fused multiply-adds that {@link ScalarGemm} computes, whatever
 * the vector width.
 */
final class VectorGemm implements Gemm.Kernel {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

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
    int fullRows = rows & ~3;
    int j = 0;
    for (; j + 2 * L <= cols; j += 2 * L) {
      for (int r = 0; r < fullRows; r += 4) {
        tile4x2(
            r,
            j,
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
    }
    for (; j + L <= cols; j += L) {
      for (int r = 0; r < fullRows; r += 4) {
        tile4x1(
            r,
            j,
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
    }
    // The last < L columns of the full row tiles, and all columns of the last < 4 rows, run scalar:
    // Vector API code is only fast once C2 has compiled it (interpreted or C1-compiled, every
    // vector operation allocates), and C2 gets to rarely used paths late in a busy JVM. Keeping
    // the vector code to two hot tile shapes keeps it compiled.
    ScalarGemm.columns(
        j,
        cols,
        fullRows,
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
    ScalarGemm.columns(
        0,
        cols,
        rows - fullRows,
        depth,
        a,
        aOff + fullRows * aRowStride,
        aRowStride,
        aDepthStride,
        b,
        bOff,
        bRowStride,
        c,
        cOff + fullRows * cRowStride,
        cRowStride);
  }

  private static void tile4x2(
      int r,
      int j,
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
    int c0 = cOff + r * cRowStride + j;
    int c1 = c0 + cRowStride;
    int c2 = c1 + cRowStride;
    int c3 = c2 + cRowStride;
    FloatVector y00 = FloatVector.fromArray(S, c, c0);
    FloatVector y01 = FloatVector.fromArray(S, c, c0 + L);
    FloatVector y10 = FloatVector.fromArray(S, c, c1);
    FloatVector y11 = FloatVector.fromArray(S, c, c1 + L);
    FloatVector y20 = FloatVector.fromArray(S, c, c2);
    FloatVector y21 = FloatVector.fromArray(S, c, c2 + L);
    FloatVector y30 = FloatVector.fromArray(S, c, c3);
    FloatVector y31 = FloatVector.fromArray(S, c, c3 + L);
    int a0 = aOff + r * aRowStride;
    int a1 = a0 + aRowStride;
    int a2 = a1 + aRowStride;
    int a3 = a2 + aRowStride;
    int bk = bOff + j;
    for (int k = 0; k < depth; k++) {
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
      FloatVector x = FloatVector.broadcast(S, a[a0]);
      y00 = b0.fma(x, y00);
      y01 = b1.fma(x, y01);
      x = FloatVector.broadcast(S, a[a1]);
      y10 = b0.fma(x, y10);
      y11 = b1.fma(x, y11);
      x = FloatVector.broadcast(S, a[a2]);
      y20 = b0.fma(x, y20);
      y21 = b1.fma(x, y21);
      x = FloatVector.broadcast(S, a[a3]);
      y30 = b0.fma(x, y30);
      y31 = b1.fma(x, y31);
      a0 += aDepthStride;
      a1 += aDepthStride;
      a2 += aDepthStride;
      a3 += aDepthStride;
      bk += bRowStride;
    }
    y00.intoArray(c, c0);
    y01.intoArray(c, c0 + L);
    y10.intoArray(c, c1);
    y11.intoArray(c, c1 + L);
    y20.intoArray(c, c2);
    y21.intoArray(c, c2 + L);
    y30.intoArray(c, c3);
    y31.intoArray(c, c3 + L);
  }

  private static void tile4x1(
      int r,
      int j,
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
    int c0 = cOff + r * cRowStride + j;
    int c1 = c0 + cRowStride;
    int c2 = c1 + cRowStride;
    int c3 = c2 + cRowStride;
    FloatVector y0 = FloatVector.fromArray(S, c, c0);
    FloatVector y1 = FloatVector.fromArray(S, c, c1);
    FloatVector y2 = FloatVector.fromArray(S, c, c2);
    FloatVector y3 = FloatVector.fromArray(S, c, c3);
    int a0 = aOff + r * aRowStride;
    int a1 = a0 + aRowStride;
    int a2 = a1 + aRowStride;
    int a3 = a2 + aRowStride;
    int bk = bOff + j;
    for (int k = 0; k < depth; k++) {
      FloatVector b0 = FloatVector.fromArray(S, b, bk);
      y0 = b0.fma(FloatVector.broadcast(S, a[a0]), y0);
      y1 = b0.fma(FloatVector.broadcast(S, a[a1]), y1);
      y2 = b0.fma(FloatVector.broadcast(S, a[a2]), y2);
      y3 = b0.fma(FloatVector.broadcast(S, a[a3]), y3);
      a0 += aDepthStride;
      a1 += aDepthStride;
      a2 += aDepthStride;
      a3 += aDepthStride;
      bk += bRowStride;
    }
    y0.intoArray(c, c0);
    y1.intoArray(c, c1);
    y2.intoArray(c, c2);
    y3.intoArray(c, c3);
  }
}
