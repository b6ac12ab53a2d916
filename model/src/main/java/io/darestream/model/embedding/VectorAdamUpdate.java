package io.darestream.model.embedding;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LazyAdam}'s element loop on the Vector API: the same multiplications, additions, square
 * root and division per element (no fused multiply-add; a float square root is correctly rounded
 * either way), so the same bits as {@link LazyAdam.ScalarUpdate}, which also runs a row's last
 * {@code < L} elements.
 *
 * <p>Loaded only when {@link io.darestream.model.VectorKernels} says the Vector API is enabled.
 */
final class VectorAdamUpdate implements LazyAdam.Update {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  @Override
  public void update(
      float[] w,
      int wOff,
      float[] s,
      int mOff,
      int dim,
      float[] g,
      int gOff,
      float lr,
      float c1,
      float c2) {
    int vOff = mOff + dim;
    int j = 0;
    for (; j + L <= dim; j += L) {
      FloatVector gj = FloatVector.fromArray(S, g, gOff + j);
      FloatVector m =
          FloatVector.fromArray(S, s, mOff + j).mul(LazyAdam.BETA1).add(gj.mul(1 - LazyAdam.BETA1));
      FloatVector v =
          FloatVector.fromArray(S, s, vOff + j)
              .mul(LazyAdam.BETA2)
              .add(gj.mul(1 - LazyAdam.BETA2).mul(gj));
      m.intoArray(s, mOff + j);
      v.intoArray(s, vOff + j);
      FloatVector step = m.mul(c1).mul(lr).div(v.mul(c2).sqrt().add(LazyAdam.EPS));
      FloatVector.fromArray(S, w, wOff + j).sub(step).intoArray(w, wOff + j);
    }
    LazyAdam.ScalarUpdate.range(w, wOff, s, mOff, j, dim, g, gOff, lr, c1, c2);
  }
}
