package io.darestream.model.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both element loops of {@link LazyAdam} produce the same bits, with and without a row tail. */
class AdamUpdateTest {
  @ParameterizedTest
  @CsvSource({"16, 1", "16, 5000", "4, 3", "6, 2", "17, 9", "48, 1"})
  void scalarAndVectorLoopsAgreeBitForBit(int dim, int stepCount) {
    SplittableRandom r = new SplittableRandom(dim * 131L + stepCount);
    float[] w = gaussians(r, dim + 3, 0.1);
    float[] s = gaussians(r, 2 * dim + 5, 0.01);
    for (int j = dim + 2; j < 2 * dim + 2; j++) {
      s[j] = Math.abs(s[j]); // second moments are non-negative
    }
    float[] g = gaussians(r, dim + 1, 1.0);
    g[1] = 0f;
    g[dim] = -0f;
    float c1 = 1f / (1f - (float) Math.pow(0.9f, stepCount));
    float c2 = 1f / (1f - (float) Math.pow(0.999f, stepCount));

    float[] wScalar = w.clone();
    float[] sScalar = s.clone();
    new LazyAdam.ScalarUpdate().update(wScalar, 3, sScalar, 2, dim, g, 1, 0.05f, c1, c2);
    float[] wVector = w.clone();
    float[] sVector = s.clone();
    new VectorAdamUpdate().update(wVector, 3, sVector, 2, dim, g, 1, 0.05f, c1, c2);

    assertThat(wVector).containsExactly(wScalar);
    assertThat(sVector).containsExactly(sScalar);
    assertThat(wScalar).isNotEqualTo(w);
  }

  private static float[] gaussians(SplittableRandom r, int n, double std) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextGaussian() * std);
    }
    return x;
  }
}
