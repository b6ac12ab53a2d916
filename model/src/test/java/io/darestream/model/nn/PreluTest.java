package io.darestream.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both PReLU kernels against the element-wise definition, bit for bit (NaNs compared as NaN), on
 * widths with and without a tail and on the values where max/min semantics differ between
 * instruction sets (signed zeros, NaN).
 */
class PreluTest {
  private static final float[] SPECIAL = {0f, -0f, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE};

  @ParameterizedTest
  @CsvSource({"200, 5", "80, 3", "7, 4", "17, 2", "1, 3"})
  void kernelsComputeTheDefinitionBitForBit(int width, int samples) {
    SplittableRandom r = new SplittableRandom(width * 31L + samples);
    int s0 = 1;
    int s1 = s0 + samples;
    float[] pre = values(r, (s1 + 1) * width);
    float[] dy = values(r, pre.length);
    float[] alpha = values(r, width);
    float[] dAlpha = values(r, width);

    float[] expectedOut = new float[pre.length];
    float[] expectedDy = dy.clone();
    float[] expectedDAlpha = dAlpha.clone();
    for (int s = s0; s < s1; s++) {
      for (int o = 0; o < width; o++) {
        int i = s * width + o;
        float v = pre[i];
        expectedOut[i] = Math.max(v, 0f) + alpha[o] * Math.min(v, 0f);
        expectedDAlpha[o] += expectedDy[i] * Math.min(v, 0f);
        expectedDy[i] = expectedDy[i] * (v > 0 ? 1f : alpha[o]);
      }
    }

    Prelu.Kernel[] kernels = {new Prelu.Scalar(), new VectorPrelu()};
    for (Prelu.Kernel kernel : kernels) {
      String name = kernel.getClass().getSimpleName();
      float[] out = new float[pre.length];
      kernel.forward(pre, out, alpha, width, s0, s1);
      assertThat(bits(out)).as(name + " forward").containsExactly(bits(expectedOut));
      float[] gotDy = dy.clone();
      float[] gotDAlpha = dAlpha.clone();
      kernel.backward(pre, gotDy, alpha, gotDAlpha, width, s0, s1);
      assertThat(bits(gotDy)).as(name + " dy").containsExactly(bits(expectedDy));
      assertThat(bits(gotDAlpha)).as(name + " dAlpha").containsExactly(bits(expectedDAlpha));
    }
  }

  /** Gaussians with every special value sprinkled in, including in the alphas. */
  private static float[] values(SplittableRandom r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextInt(8) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) r.nextGaussian();
    }
    return x;
  }

  private static int[] bits(float[] x) {
    int[] b = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      b[i] = Float.floatToIntBits(x[i]);
    }
    return b;
  }
}
