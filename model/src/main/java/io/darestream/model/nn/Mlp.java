package io.darestream.model.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The batched MLP of DARE Section 4 on {@code [v, u, v*u]}: hidden layers with PReLU, one logit.
 *
 * <p>Plain Java, laid out for the JIT: activations, gradients and packed copies of the weights are
 * kept as one {@code float[]} per row, and every inner loop is a multiply-add over whole rows
 * indexed from 0, two rows of each operand per pass. HotSpot 17's auto-vectoriser gives up on loops
 * that index one shared flat array at loop-invariant offsets ({@code y[s * out + o]}); the row
 * layout runs the same arithmetic 5–7× faster (see BENCHMARKS.md, "## model", {@code MlpBench}).
 * The persisted weights stay flat and input-major in {@link DenseParameters}; the packed row copies
 * are refreshed at every {@link #forward} and {@link #backward}, so writes to the blocks (Adam,
 * deltas, snapshots, gradient checks) need no notification.
 *
 * <p>Each sample's arithmetic does not depend on the other samples of its batch, so a sample scores
 * bit for bit the same alone or in a batch of 256 (training's prequential predictions equal
 * serving's scores).
 *
 * <p>An instance holds its activations between {@link #forward} and {@link #backward}; use one per
 * thread. {@link #Mlp(Mlp, int)} makes another instance over the same weights.
 */
public final class Mlp {
  // Samples per block of the forward and backward passes; a multiple of 4 (see backward).
  private static final int SAMPLE_BLOCK = 32;

  private final int layers;
  private final int[] widths; // widths[0] = input, widths[layers] = 1
  private final float[][] weight;
  private final float[][] bias;
  private final float[][] prelu;
  private final String[] weightName;
  private final String[] biasName;
  private final String[] preluName;
  private final int maxBatch;
  // Per layer l (rows of width widths[l]): input activations act[l], pre-activations pre[l],
  // gradients dAct[l].
  private final float[][][] act;
  private final float[][][] pre;
  private final float[][][] dAct;
  // Packed weights: wRows[l][i] = W[i][.], wtRows[l][o] = W[.][o]; per-row weight gradients.
  private final float[][][] wRows;
  private final float[][][] wtRows;
  private final float[][][] dwRows;
  private final float[] logits;
  private int batch;

  /** Registers the MLP's blocks in {@code params} and initialises them from {@code rng}. */
  public Mlp(
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
        Arrays.fill(prelu[l], 0.25f);
      }
    }
    act = new float[layers + 1][][];
    pre = new float[layers + 1][][];
    dAct = new float[layers + 1][][];
    wRows = new float[layers][][];
    wtRows = new float[layers][][];
    dwRows = new float[layers][][];
    logits = new float[maxBatch];
    allocateScratch();
  }

  /**
   * Another instance over the same (live) weight blocks as {@code shared}, with its own
   * activations, so that several threads can run {@link #forward} at once while nobody writes the
   * weights.
   */
  public Mlp(Mlp shared, int maxBatch) {
    this.layers = shared.layers;
    this.widths = shared.widths;
    this.weight = shared.weight;
    this.bias = shared.bias;
    this.prelu = shared.prelu;
    this.weightName = shared.weightName;
    this.biasName = shared.biasName;
    this.preluName = shared.preluName;
    this.maxBatch = maxBatch;
    act = new float[layers + 1][][];
    pre = new float[layers + 1][][];
    dAct = new float[layers + 1][][];
    wRows = new float[layers][][];
    wtRows = new float[layers][][];
    dwRows = new float[layers][][];
    logits = new float[maxBatch];
    allocateScratch();
  }

  private void allocateScratch() {
    for (int l = 0; l <= layers; l++) {
      act[l] = new float[maxBatch][widths[l]];
      pre[l] = new float[maxBatch][widths[l]];
      dAct[l] = new float[maxBatch][widths[l]];
    }
    for (int l = 0; l < layers; l++) {
      wRows[l] = new float[widths[l]][widths[l + 1]];
      wtRows[l] = new float[widths[l + 1]][widths[l]];
      // The logit layer's weight gradient is one row over the inputs.
      dwRows[l] =
          widths[l + 1] == 1 ? new float[1][widths[l]] : new float[widths[l]][widths[l + 1]];
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
    packWeights();
    int in0 = widths[0];
    // Every layer for one block of samples before the next block: the block's activations stay
    // in cache between layers (a whole batch's do not fit L2). Per-sample arithmetic is unchanged.
    for (int s0 = 0; s0 < batch; s0 += SAMPLE_BLOCK) {
      int s1 = Math.min(batch, s0 + SAMPLE_BLOCK);
      for (int s = s0; s < s1; s++) {
        System.arraycopy(x, s * in0, act[0][s], 0, in0);
      }
      for (int l = 0; l < layers; l++) {
        forwardLayer(l, s0, s1);
      }
    }
    for (int s = 0; s < batch; s++) {
      logits[s] = act[layers][s][0];
    }
    return logits;
  }

  private void packWeights() {
    for (int l = 0; l < layers; l++) {
      int out = widths[l + 1];
      if (out == 1) {
        continue;
      }
      float[][] w = wRows[l];
      float[] flat = weight[l];
      for (int i = 0; i < widths[l]; i++) {
        System.arraycopy(flat, i * out, w[i], 0, out);
      }
    }
  }

  private void forwardLayer(int l, int s0, int s1) {
    int in = widths[l];
    int out = widths[l + 1];
    float[][] a = act[l];
    float[] b = bias[l];
    if (out == 1) {
      float[] w = weight[l]; // [in][1]: one weight per input
      for (int s = s0; s < s1; s++) {
        float[] as = a[s];
        float z = b[0];
        for (int i = 0; i < in; i++) {
          z += as[i] * w[i];
        }
        pre[l + 1][s][0] = z;
        act[l + 1][s][0] = z;
      }
      return;
    }
    float[][] w = wRows[l];
    float[][] y = pre[l + 1];
    for (int s = s0; s < s1; s++) {
      affine(a[s], w, b, y[s], in, out);
    }
    float[][] next = act[l + 1];
    float[] alpha = prelu[l];
    for (int r = s0; r < s1; r++) {
      float[] ys = y[r];
      float[] ns = next[r];
      for (int o = 0; o < out; o++) {
        float v = ys[o];
        ns[o] = v > 0 ? v : alpha[o] * v;
      }
    }
  }

  /**
   * {@code y = b + a W}, four weight rows per pass. One stored row per loop: with two stored rows
   * HotSpot 17 vectorised the loop only in some compilations (3–8 GFLOP/s against 20–30).
   */
  private static void affine(float[] a, float[][] w, float[] b, float[] y, int in, int out) {
    System.arraycopy(b, 0, y, 0, out);
    accumulate(a, w, y, in, out);
  }

  /**
   * Backward pass for the last {@link #forward}: accumulates parameter gradients into {@code grad}
   * and writes {@code dL/dx} into {@code dx} ({@code batch x inputDim}).
   *
   * @param dLogits {@code dL/dlogit} per sample
   */
  public void backward(float[] dLogits, DenseGradient grad, float[] dx) {
    packTransposedWeights();
    for (int l = 0; l < layers; l++) {
      for (float[] g : dwRows[l]) {
        Arrays.fill(g, 0f);
      }
    }
    // Block by block as in forward. Sums over samples (weight, bias and PReLU gradients) keep
    // their order: blocks run in sample order and hold a multiple of four samples, the grouping of
    // the weight-gradient kernel, so the result is bit-identical to one pass over the batch.
    for (int s0 = 0; s0 < batch; s0 += SAMPLE_BLOCK) {
      int s1 = Math.min(batch, s0 + SAMPLE_BLOCK);
      for (int s = s0; s < s1; s++) {
        dAct[layers][s][0] = dLogits[s];
      }
      for (int l = layers - 1; l >= 0; l--) {
        backwardLayer(l, s0, s1, grad);
      }
    }
    for (int l = 0; l < layers; l++) {
      int in = widths[l];
      int out = widths[l + 1];
      float[] dW = grad.block(weightName[l]);
      float[][] g = dwRows[l];
      if (out == 1) {
        for (int i = 0; i < in; i++) {
          dW[i] += g[0][i];
        }
      } else {
        for (int i = 0; i < in; i++) {
          float[] gi = g[i];
          int wo = i * out;
          for (int o = 0; o < out; o++) {
            dW[wo + o] += gi[o];
          }
        }
      }
    }
    int in0 = widths[0];
    for (int s = 0; s < batch; s++) {
      System.arraycopy(dAct[0][s], 0, dx, s * in0, in0);
    }
  }

  private void packTransposedWeights() {
    for (int l = 0; l < layers; l++) {
      int in = widths[l];
      int out = widths[l + 1];
      if (out == 1) {
        continue;
      }
      float[] flat = weight[l];
      float[][] wt = wtRows[l];
      for (int i = 0; i < in; i++) {
        int wo = i * out;
        for (int o = 0; o < out; o++) {
          wt[o][i] = flat[wo + o];
        }
      }
    }
  }

  private void backwardLayer(int l, int s0, int s1, DenseGradient grad) {
    int in = widths[l];
    int out = widths[l + 1];
    float[][] dy = dAct[l + 1];
    float[][] a = act[l];
    float[] dB = grad.block(biasName[l]);
    float[][] dIn = dAct[l];
    if (out == 1) {
      float[] w = weight[l];
      float[] g = dwRows[l][0];
      for (int s = s0; s < s1; s++) {
        float d = dy[s][0];
        dB[0] += d;
        float[] as = a[s];
        float[] ds = dIn[s];
        for (int i = 0; i < in; i++) {
          g[i] += d * as[i];
          ds[i] = d * w[i];
        }
      }
      return;
    }
    // PReLU: dL/dpre = dL/dact * (pre > 0 ? 1 : alpha); dL/dalpha = sum dL/dact * pre.
    float[] alpha = prelu[l];
    float[] dAlpha = grad.block(preluName[l]);
    float[][] y = pre[l + 1];
    for (int s = s0; s < s1; s++) {
      float[] ys = y[s];
      float[] ds = dy[s];
      // Branch-free: the sign of a pre-activation is a coin flip, a branch mispredicts half.
      for (int o = 0; o < out; o++) {
        float v = ys[o];
        dAlpha[o] += ds[o] * Math.min(v, 0f);
        ds[o] *= v > 0 ? 1f : alpha[o];
      }
      for (int o = 0; o < out; o++) {
        dB[o] += ds[o];
      }
    }
    weightGradient(a, dy, dwRows[l], in, out, s0, s1);
    // dL/dx = dy W^T, as multiply-adds over rows of the transposed weight.
    float[][] wt = wtRows[l];
    for (int s = s0; s < s1; s++) {
      // dx_s = dy_s W^T: the same kernel as the forward, over rows of W^T.
      Arrays.fill(dIn[s], 0f);
      accumulate(dy[s], wt, dIn[s], out, in);
    }
  }

  /**
   * {@code g[i][o] += sum_s a[s][i] dy[s][o]} over samples {@code [s0, s1)}: one stored row of
   * {@code g} per loop, four samples per pass.
   */
  private static void weightGradient(
      float[][] a, float[][] dy, float[][] g, int in, int out, int s0, int s1) {
    for (int i = 0; i < in; i++) {
      float[] gi = g[i];
      int s = s0;
      for (; s + 3 < s1; s += 4) {
        float[] d0 = dy[s];
        float[] d1 = dy[s + 1];
        float[] d2 = dy[s + 2];
        float[] d3 = dy[s + 3];
        float x0 = a[s][i];
        float x1 = a[s + 1][i];
        float x2 = a[s + 2][i];
        float x3 = a[s + 3][i];
        for (int o = 0; o < out; o++) {
          gi[o] += (x0 * d0[o] + x1 * d1[o]) + (x2 * d2[o] + x3 * d3[o]);
        }
      }
      for (; s < s1; s++) {
        float[] d0 = dy[s];
        float x0 = a[s][i];
        for (int o = 0; o < out; o++) {
          gi[o] += x0 * d0[o];
        }
      }
    }
  }

  /** {@code y += sum_i a[i] w[i][.]} over {@code n} rows of width {@code width}. */
  private static void accumulate(float[] a, float[][] w, float[] y, int n, int width) {
    int i = 0;
    for (; i + 3 < n; i += 4) {
      float[] r0 = w[i];
      float[] r1 = w[i + 1];
      float[] r2 = w[i + 2];
      float[] r3 = w[i + 3];
      float p0 = a[i];
      float p1 = a[i + 1];
      float p2 = a[i + 2];
      float p3 = a[i + 3];
      for (int o = 0; o < width; o++) {
        y[o] += (p0 * r0[o] + p1 * r1[o]) + (p2 * r2[o] + p3 * r3[o]);
      }
    }
    for (; i < n; i++) {
      float[] r0 = w[i];
      float p0 = a[i];
      for (int o = 0; o < width; o++) {
        y[o] += p0 * r0[o];
      }
    }
  }
}
