package io.darestream.model.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm} on the Vector API: tiles of 4 rows by 2 vectors (or 1) of {@code C} stay in
 * registers for the whole depth loop, so each loaded vector of {@code B} feeds four fused
 * multiply-adds.
 *
 * <p>Both operands are first packed into contiguous panels: {@code A} as blocks of 4 rows with the
 * 4 values of one depth step side by side, each column tile of {@code B} as {@code depth} rows of
 * its own width. The tile loop then reads both at offsets of the form {@code constant * k +
 * invariant}, for which C2 hoists the bounds checks out of the loop; read in place, with the
 * callers' run-time strides, every load kept its check (a JFR profile of serving put ~17% of a
 * request's samples on the check of the {@code B} load). Column tiles are the outer loop: a packed
 * tile stays in L1 across all row blocks.
 *
 * <p>Loaded only after {@link Gemm} checked that {@code jdk.incubator.vector} is in the boot layer.
 * Every lane computes the chain of fused multiply-adds that {@link ScalarGemm} computes, whatever
 * the vector width.
 */
final class VectorGemm implements Gemm.Kernel {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final int W = 2 * L;

  /** Packed panels of one thread; grown on demand, never shrunk. */
  private static final class Panels {
    float[] a = new float[0];
    float[] b = new float[0];
  }

  private static final ThreadLocal<Panels> PANELS = ThreadLocal.withInitial(Panels::new);

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
    if (fullRows > 0 && cols >= L && depth > 0) {
      Panels p = PANELS.get();
      if (p.a.length < fullRows * depth) {
        p.a = new float[fullRows * depth];
      }
      if (p.b.length < depth * W) {
        p.b = new float[depth * W];
      }
      float[] ap = p.a;
      float[] bp = p.b;
      packA(fullRows, depth, a, aOff, aRowStride, aDepthStride, ap);
      for (; j + W <= cols; j += W) {
        int src = bOff + j;
        for (int k = 0; k < depth; k++) {
          int at = src + k * bRowStride;
          FloatVector.fromArray(S, b, at).intoArray(bp, k * W);
          FloatVector.fromArray(S, b, at + L).intoArray(bp, k * W + L);
        }
        for (int r = 0; r < fullRows; r += 4) {
          tile4x2(ap, r * depth, bp, depth, c, cOff + r * cRowStride + j, cRowStride);
        }
      }
      for (; j + L <= cols; j += L) {
        int src = bOff + j;
        for (int k = 0; k < depth; k++) {
          FloatVector.fromArray(S, b, src + k * bRowStride).intoArray(bp, k * L);
        }
        for (int r = 0; r < fullRows; r += 4) {
          tile4x1(ap, r * depth, bp, depth, c, cOff + r * cRowStride + j, cRowStride);
        }
      }
    }
    // The last < L columns of the full row blocks, and all columns of the last < 4 rows, run
    // scalar: Vector API code is only fast once C2 has compiled it (interpreted or C1-compiled,
    // every vector operation allocates), and C2 gets to rarely used paths late in a busy JVM.
    // Keeping the vector code to two hot tile shapes keeps it compiled.
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

  /** {@code ap[r * depth + 4 * k + q] = a[r + q][k]} for every block of 4 rows {@code r}. */
  private static void packA(
      int fullRows, int depth, float[] a, int aOff, int aRowStride, int aDepthStride, float[] ap) {
    for (int r = 0; r < fullRows; r += 4) {
      int a0 = aOff + r * aRowStride;
      int a1 = a0 + aRowStride;
      int a2 = a1 + aRowStride;
      int a3 = a2 + aRowStride;
      int dst = r * depth;
      for (int k = 0; k < depth; k++) {
        int at = k * aDepthStride;
        ap[dst] = a[a0 + at];
        ap[dst + 1] = a[a1 + at];
        ap[dst + 2] = a[a2 + at];
        ap[dst + 3] = a[a3 + at];
        dst += 4;
      }
    }
  }

  private static void tile4x2(
      float[] ap, int apOff, float[] bp, int depth, float[] c, int c0, int cRowStride) {
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
    for (int k = 0; k < depth; k++) {
      FloatVector b0 = FloatVector.fromArray(S, bp, k * W);
      FloatVector b1 = FloatVector.fromArray(S, bp, k * W + L);
      int ak = apOff + 4 * k;
      FloatVector x = FloatVector.broadcast(S, ap[ak]);
      y00 = b0.fma(x, y00);
      y01 = b1.fma(x, y01);
      x = FloatVector.broadcast(S, ap[ak + 1]);
      y10 = b0.fma(x, y10);
      y11 = b1.fma(x, y11);
      x = FloatVector.broadcast(S, ap[ak + 2]);
      y20 = b0.fma(x, y20);
      y21 = b1.fma(x, y21);
      x = FloatVector.broadcast(S, ap[ak + 3]);
      y30 = b0.fma(x, y30);
      y31 = b1.fma(x, y31);
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
      float[] ap, int apOff, float[] bp, int depth, float[] c, int c0, int cRowStride) {
    int c1 = c0 + cRowStride;
    int c2 = c1 + cRowStride;
    int c3 = c2 + cRowStride;
    FloatVector y0 = FloatVector.fromArray(S, c, c0);
    FloatVector y1 = FloatVector.fromArray(S, c, c1);
    FloatVector y2 = FloatVector.fromArray(S, c, c2);
    FloatVector y3 = FloatVector.fromArray(S, c, c3);
    for (int k = 0; k < depth; k++) {
      FloatVector b0 = FloatVector.fromArray(S, bp, k * L);
      int ak = apOff + 4 * k;
      y0 = b0.fma(FloatVector.broadcast(S, ap[ak]), y0);
      y1 = b0.fma(FloatVector.broadcast(S, ap[ak + 1]), y1);
      y2 = b0.fma(FloatVector.broadcast(S, ap[ak + 2]), y2);
      y3 = b0.fma(FloatVector.broadcast(S, ap[ak + 3]), y3);
    }
    y0.intoArray(c, c0);
    y1.intoArray(c, c1);
    y2.intoArray(c, c2);
    y3.intoArray(c, c3);
  }
}
