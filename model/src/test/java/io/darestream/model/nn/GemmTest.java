package io.darestream.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GemmTest {
  @ParameterizedTest
  @CsvSource({
    // rows, cols, depth, transposed A
    "32, 200, 144, false",
    "32, 80, 200, false",
    "144, 200, 32, true",
    "7, 19, 5, false",
    "5, 3, 9, true",
    "1, 1, 80, false",
    "32, 1, 80, false", // the logit layer
    "80, 1, 32, true", // its weight gradient
    "7, 1, 5, true",
    "4, 16, 1, false",
    "9, 33, 17, true",
  })
  void bothKernelsComputeTheReferenceFmaChainBitForBit(
      int rows, int cols, int depth, boolean transposed) {
    SplittableRandom r = new SplittableRandom(rows * 31L + cols * 7L + depth);
    int aOff = 3;
    int aRowStride = transposed ? 1 : depth + 2;
    int aDepthStride = transposed ? rows + 1 : 1;
    float[] a = random(r, aOff + rows * (depth + 2) + depth * (rows + 1));
    int bOff = 5;
    int bRowStride = cols + 4;
    float[] b = random(r, bOff + depth * bRowStride);
    int cOff = 2;
    int cRowStride = cols + 3;
    float[] c = random(r, cOff + rows * cRowStride + 1);

    float[] expected = c.clone();
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        float acc = expected[cOff + i * cRowStride + j];
        for (int k = 0; k < depth; k++) {
          acc =
              Math.fma(
                  a[aOff + i * aRowStride + k * aDepthStride], b[bOff + k * bRowStride + j], acc);
        }
        expected[cOff + i * cRowStride + j] = acc;
      }
    }
    for (Gemm.Kernel kernel : new Gemm.Kernel[] {new ScalarGemm(), new VectorGemm()}) {
      float[] out = c.clone();
      kernel.multiplyAdd(
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
          out,
          cOff,
          cRowStride);
      assertThat(out).as(kernel.getClass().getSimpleName()).containsExactly(expected);
    }
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }
}
