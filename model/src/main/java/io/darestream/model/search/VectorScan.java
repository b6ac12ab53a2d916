package io.darestream.model.search;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ScoreScan} on the Vector API: the group maxima are vector accumulators (group {@code j}
 * holds the scores {@code i} with {@code i mod g == j}), and the collection tests a vector of
 * scores against the bound at once, looking at single lanes only where one reaches it.
 *
 * <p>Loaded only after {@link ScoreScan} checked that {@code jdk.incubator.vector} is in the boot
 * layer.
 */
final class VectorScan extends ScoreScan {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  @Override
  int groups(int k) {
    // At least 2K groups (the K-th largest maximum is then about their median), whole vectors, and
    // no fewer than 4 vectors.
    return Math.max(2 * k + L - 1, 4 * L) / L * L;
  }

  @Override
  float lowerBound(float[] s, int n, int k, float[] scratch) {
    int g = groups(k);
    // One accumulator per pass (lanes a .. a+L-1 of every stride-g block): an array of vectors
    // would not stay in registers.
    for (int a = 0; a < g; a += L) {
      FloatVector max = FloatVector.fromArray(S, s, a);
      for (int base = g; base + g <= n; base += g) {
        max = max.max(FloatVector.fromArray(S, s, base + a));
      }
      max.intoArray(scratch, a);
    }
    return kthLargest(scratch, g, k);
  }

  @Override
  int collect(float[] s, int n, float bound, int[] out) {
    FloatVector b = FloatVector.broadcast(S, bound);
    int c = 0;
    int i = 0;
    for (; i + L <= n; i += L) {
      if (FloatVector.fromArray(S, s, i).compare(VectorOperators.GE, b).trueCount() != 0) {
        for (int j = i; j < i + L; j++) {
          out[c] = j;
          c += s[j] >= bound ? 1 : 0;
        }
      }
    }
    for (; i < n; i++) {
      out[c] = i;
      c += s[i] >= bound ? 1 : 0;
    }
    return c;
  }
}
