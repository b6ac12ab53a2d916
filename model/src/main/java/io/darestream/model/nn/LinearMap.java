package io.darestream.model.nn;

import java.util.SplittableRandom;

/**
 * A bias-free linear map {@code y = W^T x} stored input-major ({@code W[in][out]}), used for the
 * query, key, value and target projections of the TWIN-with-projection baseline (DARE Section 3.2).
 * Initialised to the identity where square, so the baseline starts as TWIN.
 */
public final class LinearMap {
  private final String name;
  private final int in;
  private final int out;
  private final float[] w;

  public LinearMap(DenseParameters params, String name, int in, int out, SplittableRandom rng) {
    this.name = name;
    this.in = in;
    this.out = out;
    this.w = params.register(name, in * out);
    if (in == out) {
      for (int i = 0; i < in; i++) {
        w[i * out + i] = 1f;
      }
    } else {
      float limit = (float) Math.sqrt(6.0 / (in + out));
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
      }
    }
  }

  public int in() {
    return in;
  }

  public int out() {
    return out;
  }

  /** {@code y[yOff ..) = W^T x[xOff ..)}. */
  public void apply(float[] x, int xOff, float[] y, int yOff) {
    java.util.Arrays.fill(y, yOff, yOff + out, 0f);
    for (int i = 0; i < in; i++) {
      float xi = x[xOff + i];
      int wo = i * out;
      for (int o = 0; o < out; o++) {
        y[yOff + o] += xi * w[wo + o];
      }
    }
  }

  /** {@code x[xOff ..) = W y[yOff ..)} (the transposed map, out to in). */
  public void applyTransposed(float[] y, int yOff, float[] x, int xOff) {
    for (int i = 0; i < in; i++) {
      int wo = i * out;
      float s = 0f;
      for (int o = 0; o < out; o++) {
        s += w[wo + o] * y[yOff + o];
      }
      x[xOff + i] = s;
    }
  }

  /**
   * Backward of {@code y = W^T x}: {@code dW += x dy^T}; {@code dx += W dy} when {@code dx} is not
   * null.
   */
  public void backward(
      float[] x, int xOff, float[] dy, int dyOff, DenseGradient grad, float[] dx, int dxOff) {
    float[] dW = grad.block(name);
    for (int i = 0; i < in; i++) {
      float xi = x[xOff + i];
      int wo = i * out;
      float s = 0f;
      for (int o = 0; o < out; o++) {
        dW[wo + o] += xi * dy[dyOff + o];
        s += w[wo + o] * dy[dyOff + o];
      }
      if (dx != null) {
        dx[dxOff + i] += s;
      }
    }
  }

  /**
   * Backward of the transposed map {@code x = W y}: {@code dW[i][o] += dx[i] y[o]}; {@code dy +=
   * W^T dx}.
   */
  public void backwardTransposed(
      float[] y, int yOff, float[] dx, int dxOff, DenseGradient grad, float[] dy, int dyOff) {
    float[] dW = grad.block(name);
    for (int i = 0; i < in; i++) {
      float dxi = dx[dxOff + i];
      int wo = i * out;
      for (int o = 0; o < out; o++) {
        dW[wo + o] += dxi * y[yOff + o];
        dy[dyOff + o] += dxi * w[wo + o];
      }
    }
  }
}
