package io.darestream.model.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Prelu} on the Vector API: the same operations per element (lanewise {@code max}, {@code
 * min}, multiply, add; no fused multiply-add), so the same bits as {@link Prelu.Scalar}, which also
 * runs the last {@code < L} columns of each row.
 *
 * <p>Loaded only when {@link io.darestream.model.VectorKernels} says the Vector API is enabled.
 */
final class VectorPrelu implements Prelu.Kernel {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  @Override
  public void forward(float[] pre, float[] out, float[] alpha, int width, int s0, int s1) {
    int vecEnd = width - width % L;
    for (int s = s0; s < s1; s++) {
      int row = s * width;
      for (int o = 0; o < vecEnd; o += L) {
        FloatVector v = FloatVector.fromArray(S, pre, row + o);
        FloatVector a = FloatVector.fromArray(S, alpha, o);
        v.max(0f).add(a.mul(v.min(0f))).intoArray(out, row + o);
      }
      Prelu.Scalar.forwardRange(pre, out, alpha, row, vecEnd, width);
    }
  }

  @Override
  public void backward(
      float[] pre, float[] dy, float[] alpha, float[] dAlpha, int width, int s0, int s1) {
    int vecEnd = width - width % L;
    for (int s = s0; s < s1; s++) {
      int row = s * width;
      for (int o = 0; o < vecEnd; o += L) {
        FloatVector v = FloatVector.fromArray(S, pre, row + o);
        FloatVector g = FloatVector.fromArray(S, dy, row + o);
        FloatVector.fromArray(S, dAlpha, o).add(g.mul(v.min(0f))).intoArray(dAlpha, o);
        VectorMask<Float> positive = v.compare(VectorOperators.GT, 0f);
        FloatVector factor = FloatVector.fromArray(S, alpha, o).blend(1f, positive);
        g.mul(factor).intoArray(dy, row + o);
      }
      Prelu.Scalar.backwardRange(pre, dy, alpha, dAlpha, row, vecEnd, width);
    }
  }
}
