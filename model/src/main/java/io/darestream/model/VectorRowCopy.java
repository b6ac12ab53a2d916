package io.darestream.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowCopy} on the Vector API: whole vectors, then the last {@code < L} floats one by one.
 *
 * <p>Loaded only when {@link VectorKernels} says the Vector API is enabled.
 */
final class VectorRowCopy implements RowCopy.Kernel {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  @Override
  public void copy(float[] src, int srcOff, float[] dst, int dstOff, int len) {
    int j = 0;
    for (; j + L <= len; j += L) {
      FloatVector.fromArray(S, src, srcOff + j).intoArray(dst, dstOff + j);
    }
    for (; j < len; j++) {
      dst[dstOff + j] = src[srcOff + j];
    }
  }
}
