package io.darestream.model.nn;

import java.util.SplittableRandom;

/**
 * The pre-optimisation MLP (flat arrays at loop-invariant offsets), kept only as the "old" side of
 * {@code MlpBench}. The batched MLP of DARE Section 4 on {@code [v, u, v*u]}: hidden layers with
 * PReLU, one logit. Plain Java: every inner loop is a multiply-add over a contiguous row that the
 * JIT vectorises; measured faster than DJL at these sizes (see BENCHMARKS.md, "## model").
 *
 * <p>Holds its activations between {@link #forward} and {@link #backward}; one instance per thread.
 */
public final class LegacyMlp {
  private final int layers;
  private final int[] widths; // widths[0] = input, widths[layers] = 1
  private final float[][] weight;
  private final float[][] bias;
  private final float[][] prelu;
  private final String[] weightName;
  private final String[] biasName;
  private final String[] preluName;
  private final int maxBatch;
  // Per layer l: input activations in[l] (batch x widths[l]), pre-activations pre[l+1].
  private final float[][] act;
  private final float[][] pre;
  private final float[][] dAct;
  private final float[][] transposed;
  private int batch;

  /** Registers the MLP's blocks in {@code params} and initialises them from {@code rng}. */
  public LegacyMlp(
      DenseParameters params, int inputDim, int[] hidden, int maxBatch, SplittableRandom rng) {
    this.layers = hidden.length + 1;
    this.widths = new int[layers + 1];
    widths[0] = inputDim;
    System.arraycopy(hidden, 0, widths, 1, hidden.length);
    widths[layers] = 1;
    this.maxBatch = maxBatch;
    weight = new float[layers][];
    bias = new float[layers][];
    prelu = new float[layers][];
    weightName = new String[layers];
    biasName = new String[layers];
    preluName = new String[layers];
    act = new float[layers + 1][];
    pre = new float[layers + 1][];
    dAct = new float[layers + 1][];
    transposed = new float[layers][];
    for (int l = 0; l < layers; l++) {
      int in = widths[l];
      int out = widths[l + 1];
      weightName[l] = "mlp." + l + ".weight";
      biasName[l] = "mlp." + l + ".bias";
      weight[l] = params.register(weightName[l], in * out);
      bias[l] = params.register(biasName[l], out);
      float limit = (float) Math.sqrt(6.0 / (in + out));
      for (int i = 0; i < weight[l].length; i++) {
        weight[l][i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
      }
      if (l < layers - 1) {
        preluName[l] = "mlp." + l + ".prelu";
        prelu[l] = params.register(preluName[l], out);
        java.util.Arrays.fill(prelu[l], 0.25f);
      }
      transposed[l] = new float[in * out];
    }
    for (int l = 0; l <= layers; l++) {
      act[l] = new float[maxBatch * widths[l]];
      pre[l] = new float[maxBatch * widths[l]];
      dAct[l] = new float[maxBatch * widths[l]];
    }
  }

  public int inputDim() {
    return widths[0];
  }

  /**
   * Forward pass on {@code x} ({@code batch x inputDim}, row-major).
   *
   * @return logits, {@code batch} floats (live buffer, valid until the next call)
   */
  public float[] forward(float[] x, int batch) {
    if (batch > maxBatch) {
      throw new IllegalArgumentException("batch " + batch + " exceeds " + maxBatch);
    }
    this.batch = batch;
    System.arraycopy(x, 0, act[0], 0, batch * widths[0]);
    for (int l = 0; l < layers; l++) {
      int in = widths[l];
      int out = widths[l + 1];
      float[] a = act[l];
      float[] y = pre[l + 1];
      float[] w = weight[l];
      float[] b = bias[l];
      for (int s = 0; s < batch; s++) {
        int yo = s * out;
        System.arraycopy(b, 0, y, yo, out);
        int ao = s * in;
        int i = 0;
        // Four input rows per pass: one load and store of y per four multiply-adds.
        for (; i + 3 < in; i += 4) {
          float a0 = a[ao + i];
          float a1 = a[ao + i + 1];
          float a2 = a[ao + i + 2];
          float a3 = a[ao + i + 3];
          int w0 = i * out;
          int w1 = w0 + out;
          int w2 = w1 + out;
          int w3 = w2 + out;
          for (int o = 0; o < out; o++) {
            y[yo + o] += a0 * w[w0 + o] + a1 * w[w1 + o] + a2 * w[w2 + o] + a3 * w[w3 + o];
          }
        }
        for (; i < in; i++) {
          float ai = a[ao + i];
          int wo = i * out;
          for (int o = 0; o < out; o++) {
            y[yo + o] += ai * w[wo + o];
          }
        }
      }
      float[] next = act[l + 1];
      if (l < layers - 1) {
        float[] alpha = prelu[l];
        for (int s = 0; s < batch; s++) {
          int yo = s * out;
          for (int o = 0; o < out; o++) {
            float v = y[yo + o];
            next[yo + o] = v > 0 ? v : alpha[o] * v;
          }
        }
      } else {
        System.arraycopy(y, 0, next, 0, batch * out);
      }
    }
    return act[layers];
  }

  /**
   * Backward pass for the last {@link #forward}: accumulates parameter gradients into {@code grad}
   * and writes {@code dL/dx} into {@code dx} ({@code batch x inputDim}).
   *
   * @param dLogits {@code dL/dlogit} per sample
   */
  public void backward(float[] dLogits, DenseGradient grad, float[] dx) {
    System.arraycopy(dLogits, 0, dAct[layers], 0, batch);
    for (int l = layers - 1; l >= 0; l--) {
      int in = widths[l];
      int out = widths[l + 1];
      float[] dy = dAct[l + 1];
      if (l < layers - 1) {
        // PReLU: dL/dpre = dL/dact * (pre > 0 ? 1 : alpha); dL/dalpha = sum dL/dact * pre.
        float[] alpha = prelu[l];
        float[] dAlpha = grad.block(preluName[l]);
        float[] y = pre[l + 1];
        for (int s = 0; s < batch; s++) {
          int o0 = s * out;
          for (int o = 0; o < out; o++) {
            float v = y[o0 + o];
            if (v <= 0) {
              dAlpha[o] += dy[o0 + o] * v;
              dy[o0 + o] *= alpha[o];
            }
          }
        }
      }
      float[] dW = grad.block(weightName[l]);
      float[] dB = grad.block(biasName[l]);
      float[] a = act[l];
      for (int s = 0; s < batch; s++) {
        int o0 = s * out;
        for (int o = 0; o < out; o++) {
          dB[o] += dy[o0 + o];
        }
      }
      int s = 0;
      // Four samples per pass: one load and store of dW per four multiply-adds.
      for (; s + 3 < batch; s += 4) {
        int d0 = s * out;
        int d1 = d0 + out;
        int d2 = d1 + out;
        int d3 = d2 + out;
        int a0 = s * in;
        for (int i = 0; i < in; i++) {
          float x0 = a[a0 + i];
          float x1 = a[a0 + in + i];
          float x2 = a[a0 + 2 * in + i];
          float x3 = a[a0 + 3 * in + i];
          int wo = i * out;
          for (int o = 0; o < out; o++) {
            dW[wo + o] += x0 * dy[d0 + o] + x1 * dy[d1 + o] + x2 * dy[d2 + o] + x3 * dy[d3 + o];
          }
        }
      }
      for (; s < batch; s++) {
        int o0 = s * out;
        int ao = s * in;
        for (int i = 0; i < in; i++) {
          float ai = a[ao + i];
          int wo = i * out;
          for (int o = 0; o < out; o++) {
            dW[wo + o] += ai * dy[o0 + o];
          }
        }
      }
      // dL/dx = dy W^T, as multiply-adds over rows of the transposed weight.
      float[] w = weight[l];
      float[] wt = transposed[l];
      for (int i = 0; i < in; i++) {
        for (int o = 0; o < out; o++) {
          wt[o * in + i] = w[i * out + o];
        }
      }
      float[] dIn = l == 0 ? dx : dAct[l];
      java.util.Arrays.fill(dIn, 0, batch * in, 0f);
      for (int r = 0; r < batch; r++) {
        int o0 = r * out;
        int io = r * in;
        int o = 0;
        for (; o + 3 < out; o += 4) {
          float g0 = dy[o0 + o];
          float g1 = dy[o0 + o + 1];
          float g2 = dy[o0 + o + 2];
          float g3 = dy[o0 + o + 3];
          int t0 = o * in;
          int t1 = t0 + in;
          int t2 = t1 + in;
          int t3 = t2 + in;
          for (int i = 0; i < in; i++) {
            dIn[io + i] += g0 * wt[t0 + i] + g1 * wt[t1 + i] + g2 * wt[t2 + i] + g3 * wt[t3 + i];
          }
        }
        for (; o < out; o++) {
          float g = dy[o0 + o];
          int to = o * in;
          for (int i = 0; i < in; i++) {
            dIn[io + i] += g * wt[to + i];
          }
        }
      }
    }
  }
}
