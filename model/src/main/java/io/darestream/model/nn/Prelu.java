package io.darestream.model.nn;

import io.darestream.model.VectorKernels;

/**
 * PReLU of the MLP's hidden layers on row-major blocks of samples: forward {@code max(v, 0) + alpha
 * min(v, 0)}, backward {@code dL/dalpha += dy min(v, 0)} and {@code dy *= (v > 0 ? 1 : alpha)}.
 *
 * <p>Element-wise, so the Vector API kernel ({@link VectorPrelu}, see {@link
 * io.darestream.model.VectorKernels}) computes the very bits of the scalar loops here. The scalar
 * loops index the rows from an offset, which HotSpot 17 does not vectorise; in a training step they
 * were a fifth of the MLP's time.
 */
public final class Prelu {
  private static final Kernel KERNEL = choose();

  /** One implementation of the two passes. */
  interface Kernel {
    void forward(float[] pre, float[] out, float[] alpha, int width, int s0, int s1);

    void backward(
        float[] pre, float[] dy, float[] alpha, float[] dAlpha, int width, int s0, int s1);
  }

  private Prelu() {}

  /**
   * {@code out[s][o] = max(pre[s][o], 0) + alpha[o] min(pre[s][o], 0)} for samples {@code s0 <= s <
   * s1} of rows {@code width} wide.
   */
  public static void forward(float[] pre, float[] out, float[] alpha, int width, int s0, int s1) {
    KERNEL.forward(pre, out, alpha, width, s0, s1);
  }

  /**
   * For samples {@code s0 <= s < s1}, in sample order: {@code dAlpha[o] += dy[s][o] min(pre[s][o],
   * 0)}, then {@code dy[s][o] *= pre[s][o] > 0 ? 1 : alpha[o]} (the gradient reaching the
   * pre-activation, in place).
   */
  public static void backward(
      float[] pre, float[] dy, float[] alpha, float[] dAlpha, int width, int s0, int s1) {
    KERNEL.backward(pre, dy, alpha, dAlpha, width, s0, s1);
  }

  private static Kernel choose() {
    return VectorKernels.choose("io.darestream.model.nn.VectorPrelu", Kernel.class, Scalar::new);
  }

  /** The loops without the Vector API; also the tail of {@link VectorPrelu}'s rows. */
  static final class Scalar implements Kernel {
    @Override
    public void forward(float[] pre, float[] out, float[] alpha, int width, int s0, int s1) {
      for (int s = s0; s < s1; s++) {
        forwardRange(pre, out, alpha, s * width, 0, width);
      }
    }

    @Override
    public void backward(
        float[] pre, float[] dy, float[] alpha, float[] dAlpha, int width, int s0, int s1) {
      for (int s = s0; s < s1; s++) {
        backwardRange(pre, dy, alpha, dAlpha, s * width, 0, width);
      }
    }

    static void forwardRange(float[] pre, float[] out, float[] alpha, int row, int from, int to) {
      // Branch-free (a pre-activation's sign is a coin flip).
      for (int o = from; o < to; o++) {
        float v = pre[row + o];
        out[row + o] = Math.max(v, 0f) + alpha[o] * Math.min(v, 0f);
      }
    }

    static void backwardRange(
        float[] pre, float[] dy, float[] alpha, float[] dAlpha, int row, int from, int to) {
      for (int o = from; o < to; o++) {
        float v = pre[row + o];
        dAlpha[o] += dy[row + o] * Math.min(v, 0f);
        dy[row + o] *= v > 0 ? 1f : alpha[o];
      }
    }
  }
}
