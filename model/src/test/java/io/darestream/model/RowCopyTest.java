package io.darestream.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both copy kernels copy exactly the range asked for, whole vectors and remainders alike. */
class RowCopyTest {
  @ParameterizedTest
  @CsvSource({"0, 0, 0", "16, 3, 5", "48, 0, 7", "7, 2, 1", "33, 9, 0", "1, 40, 40"})
  void copiesTheRangeAndNothingElse(int len, int srcOff, int dstOff) {
    float[] src = new float[srcOff + len + 9];
    for (int i = 0; i < src.length; i++) {
      src[i] = i * 0.5f - 3f;
    }
    src[srcOff] = -0f;
    for (RowCopy.Kernel kernel :
        new RowCopy.Kernel[] {new RowCopy.ArrayCopy(), new VectorRowCopy()}) {
      float[] dst = new float[dstOff + len + 11];
      java.util.Arrays.fill(dst, Float.NaN);
      kernel.copy(src, srcOff, dst, dstOff, len);
      for (int i = 0; i < dst.length; i++) {
        boolean inside = i >= dstOff && i < dstOff + len;
        float expected = inside ? src[srcOff + i - dstOff] : Float.NaN;
        assertThat(Float.floatToRawIntBits(dst[i]))
            .as("%s at %d", kernel.getClass().getSimpleName(), i)
            .isEqualTo(Float.floatToRawIntBits(expected));
      }
    }
  }
}
