package io.darestream.model.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Java fdlibm port must return the same bits as {@link StrictMath} for every argument. */
class FdlibmTest {
  private static final int N = 3_000_000;

  @Test
  void logMatchesStrictMathBitForBit() {
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < N; i++) {
      // The initializer's uniforms in (0, 1], then arbitrary positive doubles of any exponent.
      checkLog(((r.nextLong() >>> 11) + 1) * 0x1.0p-53);
      checkLog(Double.longBitsToDouble(r.nextLong() & 0x7fff_ffff_ffff_ffffL));
      checkLog(1.0 + (r.nextDouble() - 0.5) * 0x1.0p-18);
    }
    for (long bits = 0x3ff0_0000_0000_0000L - 5000; bits < 0x3ff0_0000_0000_0000L + 5000; bits++) {
      checkLog(Double.longBitsToDouble(bits));
    }
    for (int e = -1074; e <= 1023; e++) {
      double p = Math.scalb(1.0, e);
      checkLog(p);
      checkLog(Math.nextUp(p));
      checkLog(Math.nextDown(p));
    }
    double[] special = {
      0.0,
      -0.0,
      -1.0,
      Double.MIN_VALUE,
      Double.MIN_NORMAL,
      Double.MAX_VALUE,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.NaN,
      0.5,
      2.0,
      Math.E
    };
    for (double x : special) {
      checkLog(x);
    }
  }

  @Test
  void sinAndCosMatchStrictMathBitForBit() {
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < N; i++) {
      // The initializer's angles in [0, 2 pi), then wider ranges of both signs and any exponent.
      checkTrig(2.0 * StrictMath.PI * ((r.nextLong() >>> 11) * 0x1.0p-53));
      checkTrig((r.nextDouble() - 0.5) * 2000.0);
      checkTrig(Double.longBitsToDouble(r.nextLong()));
    }
    // Neighbourhoods of multiples of pi/2 and pi/4, where the reduction takes its other branches.
    for (int k = -70; k <= 70; k++) {
      for (double base : new double[] {k * (Math.PI / 2), k * (Math.PI / 4)}) {
        long b = Double.doubleToRawLongBits(base);
        for (long d = -3000; d <= 3000; d++) {
          checkTrig(Double.longBitsToDouble(b + d));
        }
      }
    }
    for (int e = -1074; e <= 1023; e++) {
      double p = Math.scalb(1.0, e);
      checkTrig(p);
      checkTrig(-p);
      checkTrig(Math.nextUp(p));
      checkTrig(Math.nextDown(p));
    }
    double[] special = {
      0.0,
      -0.0,
      Double.MIN_VALUE,
      Double.MAX_VALUE,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.NaN,
      0x1.921fb54442d18p0,
      0x1.921fb54442d18p19,
      0x1.921fb54442d18p20,
      0x1.921fb54442d18p21
    };
    for (double x : special) {
      checkTrig(x);
    }
  }

  /** The initializer must give the rows of its former StrictMath formula, bit for bit. */
  @Test
  void rowInitializerMatchesTheStrictMathFormula() {
    for (String table : new String[] {"att.item", "repr.category"}) {
      RowInitializer init = new RowInitializer(42, table, 0.05f);
      float[] got = new float[17];
      float[] want = new float[17];
      for (long id = -5000; id < 200_000; id++) {
        init.fill(id, got, 0, 17);
        long tableKey = RowInitializer.mix(42 ^ RowInitializer.fnv1a64(table));
        long rowKey = RowInitializer.mix(tableKey ^ RowInitializer.mix(id));
        for (int j = 0; j < 17; j += 2) {
          long h1 = RowInitializer.mix(rowKey + 2L * j + 1);
          long h2 = RowInitializer.mix(rowKey + 2L * j + 2);
          double u1 = ((h1 >>> 11) + 1) * 0x1.0p-53;
          double u2 = (h2 >>> 11) * 0x1.0p-53;
          double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
          double theta = 2.0 * StrictMath.PI * u2;
          want[j] = (float) (0.05f * r * StrictMath.cos(theta));
          if (j + 1 < 17) {
            want[j + 1] = (float) (0.05f * r * StrictMath.sin(theta));
          }
        }
        assertThat(got).as("row %d of %s", id, table).containsExactly(want);
      }
    }
  }

  private static void checkLog(double x) {
    long want = Double.doubleToRawLongBits(StrictMath.log(x));
    long got = Double.doubleToRawLongBits(Fdlibm.log(x));
    if (want != got) {
      assertThat(got).as("log(%s) [%016x]", x, Double.doubleToRawLongBits(x)).isEqualTo(want);
    }
  }

  private static void checkTrig(double x) {
    long wantSin = Double.doubleToRawLongBits(StrictMath.sin(x));
    long gotSin = Double.doubleToRawLongBits(Fdlibm.sin(x));
    if (wantSin != gotSin) {
      assertThat(gotSin).as("sin(%s) [%016x]", x, Double.doubleToRawLongBits(x)).isEqualTo(wantSin);
    }
    long wantCos = Double.doubleToRawLongBits(StrictMath.cos(x));
    long gotCos = Double.doubleToRawLongBits(Fdlibm.cos(x));
    if (wantCos != gotCos) {
      assertThat(gotCos).as("cos(%s) [%016x]", x, Double.doubleToRawLongBits(x)).isEqualTo(wantCos);
    }
    double[] sc = new double[4];
    Fdlibm.sinCos(x, sc);
    if (Double.doubleToRawLongBits(sc[0]) != wantSin
        || Double.doubleToRawLongBits(sc[1]) != wantCos) {
      assertThat(new long[] {Double.doubleToRawLongBits(sc[0]), Double.doubleToRawLongBits(sc[1])})
          .as("sinCos(%s) [%016x]", x, Double.doubleToRawLongBits(x))
          .containsExactly(wantSin, wantCos);
    }
  }
}
