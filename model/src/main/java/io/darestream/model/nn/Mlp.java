package io.darestream.model.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The batched MLP of DARE Section 4 on {@code [v, u, v*u]}: hidden layers with PReLU, one logit.
 *
 * <p>Plain Java. Activations and gradients are flat row-major {@code float[]} per layer; the three
 * products of a layer (forward {@code a W}, weight gradient {@code a^T dy}, input gradient {@code
 * dy W^T}) all go through {@link Gemm}, whose every output element is a chain of fused
 * multiply-adds in a fixed order. The weights are read in place from {@link DenseParameters}
 * (input-major); the input gradient reads a transposed copy refreshed at every {@link #backward},
 * so writes to the blocks (Adam, deltas, snapshots, gradient checks) need no notification.
 *
 * <p>Each sample's arithmetic does not depend on the other samples of its batch, so a sample scores
 * bit for bit the same alone or in a batch of 256 (training's prequential predictions equal
 * serving's scores), and the same with or without the Vector API (see {@link Gemm}).
 *
 * <p>An instance holds its activations between {@link #forward} and {@link #backward}; use one per
 * thread. The weights are a {@link MlpWeights}, shared by every instance made over it.
 */
public final class Mlp {
  // Samples per block of the forward and backward passes: a block's activations stay in cache
  // from one layer to the next (a whole batch's do not fit L2).
  private static final int SAMPLE_BLOCK = 32;

  private final MlpWeights weights;
  private final int layers;
  private final int[] widths; // widths[0] = input, widths[layers] = 1
  private final float[][] weight;
  private final float[][] bias;
  private final float[][] prelu;
  private final String[] weightName;
  private final String[] biasName;
  private final String[] preluName;
  private final int maxBatch;
  // Per layer l, row-major maxBatch x widths[l]: input activations act[l], pre-activations pre[l],
  // gradients dAct[l].
  private final float[][] act;
  private final float[][] pre;
  private final float[][] dAct;
  // Transposed weights, row-major widths[l+1] x widths[l], for dL/dx = dy W^T.
  private final float[][] weightT;
  private final float[] logits;
  private int batch;

  /**
   * Registers new weights in {@code params}, initialised from {@code rng} (see {@link MlpWeights}),
   * and makes an MLP over them.
   */
  public Mlp(
      DenseParameters params, int inputDim, int[] hidden, int maxBatch, SplittableRandom rng) {
    this(new MlpWeights(params, inputDim, hidden, rng), maxBatch);
  }

  /**
   * An MLP over {@code weights} (live: writes to the blocks reach it) with activations of its own
   * for batches of up to {@code maxBatch}, so that several threads can run {@link #forward} at once
   * while nobody writes the weights.
   */
  public Mlp(MlpWeights weights, int maxBatch) {
    this.weights = weights;
    // Copied into fields of this class so the loops read them as before the split.
    this.layers = weights.layers;
    this.widths = weights.widths;
    this.weight = weights.weight;
    this.bias = weights.bias;
    this.prelu = weights.prelu;
    this.weightName = weights.weightName;
    this.biasName = weights.biasName;
    this.preluName = weights.preluName;
    this.maxBatch = maxBatch;
    act = new float[layers + 1][];
    pre = new float[layers + 1][];
    dAct = new float[layers + 1][];
    weightT = new float[layers][];
    logits = new float[maxBatch];
    allocateScratch();
  }

  /** The weights this MLP runs over. */
  public MlpWeights weights() {
    return weights;
  }

  private void allocateScratch() {
    for (int l = 0; l <= layers; l++) {
      act[l] = new float[maxBatch * widths[l]];
      pre[l] = new float[maxBatch * widths[l]];
      dAct[l] = new float[maxBatch * widths[l]];
    }
    for (int l = 0; l < layers; l++) {
      weightT[l] = new float[widths[l] * widths[l + 1]];
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
    // Every layer for one block of samples before the next block.
    for (int s0 = 0; s0 < batch; s0 += SAMPLE_BLOCK) {
      int s1 = Math.min(batch, s0 + SAMPLE_BLOCK);
      for (int l = 0; l < layers; l++) {
        forwardLayer(l, s0, s1);
      }
    }
    System.arraycopy(pre[layers], 0, logits, 0, batch);
    return logits;
  }

  private void forwardLayer(int l, int s0, int s1) {
    int in = widths[l];
    int out = widths[l + 1];
    float[] y = pre[l + 1];
    float[] b = bias[l];
    for (int s = s0; s < s1; s++) {
      System.arraycopy(b, 0, y, s * out, out);
    }
    Gemm.multiplyAdd(s1 - s0, out, in, act[l], s0 * in, in, 1, weight[l], 0, out, y, s0 * out, out);
    if (l == layers - 1) {
      return; // the logit: no activation
    }
    Prelu.forward(y, act[l + 1], prelu[l], out, s0, s1);
  }

  /**
   * Backward pass for the last {@link #forward}: accumulates parameter gradients into {@code grad}
   * and writes {@code dL/dx} into {@code dx} ({@code batch x inputDim}).
   *
   * @param dLogits {@code dL/dlogit} per sample
   */
  public void backward(float[] dLogits, DenseGradient grad, float[] dx) {
    transposeWeights();
    System.arraycopy(dLogits, 0, dAct[layers], 0, batch);
    // Block by block as in forward. Sums over samples (weight, bias and PReLU gradients) run in
    // sample order whatever the blocking: blocks are visited in order and each continues the sums.
    for (int s0 = 0; s0 < batch; s0 += SAMPLE_BLOCK) {
      int s1 = Math.min(batch, s0 + SAMPLE_BLOCK);
      for (int l = layers - 1; l >= 0; l--) {
        backwardLayer(l, s0, s1, grad, l == 0 ? dx : dAct[l]);
      }
    }
  }

  private void transposeWeights() {
    for (int l = 0; l < layers; l++) {
      int in = widths[l];
      int out = widths[l + 1];
      float[] flat = weight[l];
      float[] t = weightT[l];
      for (int i = 0; i < in; i++) {
        int wo = i * out;
        for (int o = 0; o < out; o++) {
          t[o * in + i] = flat[wo + o];
        }
      }
    }
  }

  private void backwardLayer(int l, int s0, int s1, DenseGradient grad, float[] dIn) {
    int in = widths[l];
    int out = widths[l + 1];
    float[] dy = dAct[l + 1];
    float[] dB = grad.block(biasName[l]);
    if (l < layers - 1) {
      // dL/dpre = dL/dact * (pre > 0 ? 1 : alpha); dL/dalpha = sum dL/dact * min(pre, 0).
      Prelu.backward(pre[l + 1], dy, prelu[l], grad.block(preluName[l]), out, s0, s1);
    }
    for (int s = s0; s < s1; s++) {
      int row = s * out;
      for (int o = 0; o < out; o++) {
        dB[o] += dy[row + o];
      }
    }
    int rows = s1 - s0;
    // dL/dW += a^T dy: A is the block's activations read transposed.
    Gemm.multiplyAdd(
        in,
        out,
        rows,
        act[l],
        s0 * in,
        1,
        in,
        dy,
        s0 * out,
        out,
        grad.block(weightName[l]),
        0,
        out);
    // dL/dx = dy W^T.
    Arrays.fill(dIn, s0 * in, s1 * in, 0f);
    Gemm.multiplyAdd(rows, in, out, dy, s0 * out, out, 1, weightT[l], 0, in, dIn, s0 * in, in);
  }
}
