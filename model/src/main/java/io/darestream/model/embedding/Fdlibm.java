package io.darestream.model.embedding;

/**
 * Pure-Java {@code log}, {@code sin} and {@code cos} that return the same bits as {@link
 * StrictMath} (fdlibm 5.3), for the argument ranges {@link RowInitializer} uses; anything outside
 * those ranges is delegated to {@link StrictMath}. On Java 17 the {@code StrictMath} versions are
 * JNI calls into the C fdlibm, which made the row initialisation of never-trained ids a sizeable
 * share of a training step; this is a line-by-line port of the same C code (Java arithmetic is
 * strict IEEE 754 double, no fused multiply-add), checked bit for bit against {@code StrictMath}
 * over millions of arguments in {@code FdlibmTest}.
 *
 * <p>Ported from fdlibm's e_log.c, k_sin.c, k_cos.c and the medium-size branch of e_rem_pio2.c:
 *
 * <pre>
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunSoft, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 * </pre>
 */
final class Fdlibm {
  private static final double LN2_HI = 6.93147180369123816490e-01;
  private static final double LN2_LO = 1.90821492927058770002e-10;
  private static final double LG1 = 6.666666666666735130e-01;
  private static final double LG2 = 3.999999999940941908e-01;
  private static final double LG3 = 2.857142874366239149e-01;
  private static final double LG4 = 2.222219843214978396e-01;
  private static final double LG5 = 1.818357216161805012e-01;
  private static final double LG6 = 1.531383769920937332e-01;
  private static final double LG7 = 1.479819860511658591e-01;

  private static final double S1 = -1.66666666666666324348e-01;
  private static final double S2 = 8.33333333332248946124e-03;
  private static final double S3 = -1.98412698298579493134e-04;
  private static final double S4 = 2.75573137070700676789e-06;
  private static final double S5 = -2.50507602534068634195e-08;
  private static final double S6 = 1.58969099521155010221e-10;

  private static final double C1 = 4.16666666666666019037e-02;
  private static final double C2 = -1.38888888888741095749e-03;
  private static final double C3 = 2.48015872894767294178e-05;
  private static final double C4 = -2.75573143513906633035e-07;
  private static final double C5 = 2.08757232129817482790e-09;
  private static final double C6 = -1.13596475577881948265e-11;

  private static final double INVPIO2 = 6.36619772367581382433e-01;
  private static final double PIO2_1 = 1.57079632673412561417e+00;
  private static final double PIO2_1T = 6.07710050650619224932e-11;
  private static final double PIO2_2 = 6.07710050630396597660e-11;
  private static final double PIO2_2T = 2.02226624879595063154e-21;
  private static final double PIO2_3 = 2.02226624871116645580e-21;
  private static final double PIO2_3T = 8.47842766036889956997e-32;

  private static final int[] NPIO2_HW = {
    0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB, 0x401F6A7A, 0x4022D97C,
    0x4025FDBB, 0x402921FB, 0x402C463A, 0x402F6A7A, 0x4031475C, 0x4032D97C,
    0x40346B9C, 0x4035FDBB, 0x40378FDB, 0x403921FB, 0x403AB41B, 0x403C463A,
    0x403DD85A, 0x403F6A7A, 0x40407E4C, 0x4041475C, 0x4042106C, 0x4042D97C,
    0x4043A28C, 0x40446B9C, 0x404534AC, 0x4045FDBB, 0x4046C6CB, 0x40478FDB,
    0x404858EB, 0x404921FB,
  };

  private Fdlibm() {}

  private static int hi(double x) {
    return (int) (Double.doubleToRawLongBits(x) >> 32);
  }

  private static double withHi(double x, int high) {
    return Double.longBitsToDouble(
        (Double.doubleToRawLongBits(x) & 0xFFFF_FFFFL) | (((long) high) << 32));
  }

  /** {@code StrictMath.log(x)}, bit for bit. */
  static double log(double x) {
    int hx = hi(x);
    if (hx < 0x0010_0000 || hx >= 0x7ff0_0000) {
      return StrictMath.log(x); // zero, negative, subnormal, inf, NaN
    }
    int k = (hx >> 20) - 1023;
    hx &= 0x000f_ffff;
    int i = (hx + 0x9_5f64) & 0x10_0000;
    x = withHi(x, hx | (i ^ 0x3ff0_0000)); // normalise x or x/2
    k += i >> 20;
    double f = x - 1.0;
    if ((0x000f_ffff & (2 + hx)) < 3) { // |f| < 2**-20
      if (f == 0.0) {
        if (k == 0) {
          return 0.0;
        }
        double dk = k;
        return dk * LN2_HI + dk * LN2_LO;
      }
      double r = f * f * (0.5 - 0.33333333333333333 * f);
      if (k == 0) {
        return f - r;
      }
      double dk = k;
      return dk * LN2_HI - ((r - dk * LN2_LO) - f);
    }
    double s = f / (2.0 + f);
    double dk = k;
    double z = s * s;
    i = hx - 0x6_147a;
    double w = z * z;
    int j = 0x6b851 - hx;
    double t1 = w * (LG2 + w * (LG4 + w * LG6));
    double t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    i |= j;
    double r = t2 + t1;
    if (i > 0) {
      double hfsq = 0.5 * f * f;
      if (k == 0) {
        return f - (hfsq - s * (hfsq + r));
      }
      return dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
    }
    if (k == 0) {
      return f - s * (f - r);
    }
    return dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
  }

  /** {@code StrictMath.sin(x)}, bit for bit. */
  static double sin(double x) {
    int ix = hi(x) & 0x7fff_ffff;
    if (ix <= 0x3fe9_21fb) {
      return kernelSin(x, 0.0, 0);
    }
    if (ix > 0x4139_21fb) {
      return StrictMath.sin(x); // large, inf or NaN
    }
    double[] y = new double[2];
    int n = remPio2(x, y, 0);
    switch (n & 3) {
      case 0:
        return kernelSin(y[0], y[1], 1);
      case 1:
        return kernelCos(y[0], y[1]);
      case 2:
        return -kernelSin(y[0], y[1], 1);
      default:
        return -kernelCos(y[0], y[1]);
    }
  }

  /** {@code StrictMath.cos(x)}, bit for bit. */
  static double cos(double x) {
    int ix = hi(x) & 0x7fff_ffff;
    if (ix <= 0x3fe9_21fb) {
      return kernelCos(x, 0.0);
    }
    if (ix > 0x4139_21fb) {
      return StrictMath.cos(x); // large, inf or NaN
    }
    double[] y = new double[2];
    int n = remPio2(x, y, 0);
    switch (n & 3) {
      case 0:
        return kernelCos(y[0], y[1]);
      case 1:
        return -kernelSin(y[0], y[1], 1);
      case 2:
        return -kernelCos(y[0], y[1]);
      default:
        return kernelSin(y[0], y[1], 1);
    }
  }

  /**
   * {@code out[0] = StrictMath.sin(x)}, {@code out[1] = StrictMath.cos(x)}, bit for bit, with one
   * argument reduction; {@code out} (at least 4 long) also serves as scratch.
   */
  static void sinCos(double x, double[] out) {
    int ix = hi(x) & 0x7fff_ffff;
    if (ix <= 0x3fe9_21fb) {
      out[0] = kernelSin(x, 0.0, 0);
      out[1] = kernelCos(x, 0.0);
      return;
    }
    if (ix > 0x4139_21fb) {
      out[0] = StrictMath.sin(x);
      out[1] = StrictMath.cos(x);
      return;
    }
    int n = remPio2(x, out, 2);
    double y0 = out[2];
    double y1 = out[3];
    double s = kernelSin(y0, y1, 1);
    double c = kernelCos(y0, y1);
    switch (n & 3) {
      case 0:
        out[0] = s;
        out[1] = c;
        break;
      case 1:
        out[0] = c;
        out[1] = -s;
        break;
      case 2:
        out[0] = -s;
        out[1] = -c;
        break;
      default:
        out[0] = -c;
        out[1] = s;
        break;
    }
  }

  private static double kernelSin(double x, double y, int iy) {
    int ix = hi(x) & 0x7fff_ffff;
    if (ix < 0x3e40_0000) { // |x| < 2**-27
      if ((int) x == 0) {
        return x;
      }
    }
    double z = x * x;
    double v = z * x;
    double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    if (iy == 0) {
      return x + v * (S1 + z * r);
    }
    return x - ((z * (0.5 * y - v * r) - y) - v * S1);
  }

  private static double kernelCos(double x, double y) {
    int ix = hi(x) & 0x7fff_ffff;
    if (ix < 0x3e40_0000) { // |x| < 2**-27
      if ((int) x == 0) {
        return 1.0;
      }
    }
    double z = x * x;
    double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    if (ix < 0x3FD3_3333) { // |x| < 0.3
      return 1.0 - (0.5 * z - (z * r - x * y));
    }
    double qx;
    if (ix > 0x3fe9_0000) { // x > 0.78125
      qx = 0.28125;
    } else {
      qx = Double.longBitsToDouble(((long) (ix - 0x0020_0000)) << 32);
    }
    double hz = 0.5 * z - qx;
    double a = 1.0 - qx;
    return a - (hz - (z * r - x * y));
  }

  /** e_rem_pio2 for pi/4 < |x| <= 2^19 * (pi/2) (callers check the range). */
  private static int remPio2(double x, double[] y, int o) {
    int hx = hi(x);
    int ix = hx & 0x7fff_ffff;
    if (ix < 0x4002_d97c) { // |x| < 3pi/4, special case with n = +-1
      if (hx > 0) {
        double z = x - PIO2_1;
        if (ix != 0x3ff9_21fb) {
          y[o] = z - PIO2_1T;
          y[o + 1] = (z - y[o]) - PIO2_1T;
        } else {
          z -= PIO2_2;
          y[o] = z - PIO2_2T;
          y[o + 1] = (z - y[o]) - PIO2_2T;
        }
        return 1;
      } else {
        double z = x + PIO2_1;
        if (ix != 0x3ff9_21fb) {
          y[o] = z + PIO2_1T;
          y[o + 1] = (z - y[o]) + PIO2_1T;
        } else {
          z += PIO2_2;
          y[o] = z + PIO2_2T;
          y[o + 1] = (z - y[o]) + PIO2_2T;
        }
        return -1;
      }
    }
    double t = Math.abs(x);
    int n = (int) (t * INVPIO2 + 0.5);
    double fn = n;
    double r = t - fn * PIO2_1;
    double w = fn * PIO2_1T; // first round good to 85 bits
    if (n < 32 && ix != NPIO2_HW[n - 1]) {
      y[o] = r - w; // quick check no cancellation
    } else {
      int j = ix >> 20;
      y[o] = r - w;
      int i = j - ((hi(y[o]) >> 20) & 0x7ff);
      if (i > 16) { // second iteration, good to 118 bits
        t = r;
        w = fn * PIO2_2;
        r = t - w;
        w = fn * PIO2_2T - ((t - r) - w);
        y[o] = r - w;
        i = j - ((hi(y[o]) >> 20) & 0x7ff);
        if (i > 49) { // third iteration, 151 bits
          t = r;
          w = fn * PIO2_3;
          r = t - w;
          w = fn * PIO2_3T - ((t - r) - w);
          y[o] = r - w;
        }
      }
    }
    y[o + 1] = (r - y[o]) - w;
    if (hx < 0) {
      y[o] = -y[o];
      y[o + 1] = -y[o + 1];
      return -n;
    }
    return n;
  }
}
