package io.darestream.model.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The weights of the MLP of DARE Section 4 (hidden layers with PReLU, one logit), registered as
 * blocks of {@link DenseParameters}: the parameters only, without the activations of a pass. Any
 * number of {@link Mlp} instances run over one set of weights, each with activations of its own.
 *
 * <p>Blocks per layer {@code l}: {@code mlp.<l>.weight} (input-major {@code [in][out]}), {@code
 * mlp.<l>.bias} and, for hidden layers, {@code mlp.<l>.prelu} (slopes, initially 0.25). The arrays
 * are the live blocks, so writes to the dense parameters (Adam, deltas, snapshots) reach every MLP.
 */
public final class MlpWeights {
  final int layers;
  final int[] widths; // widths[0] = input, widths[layers] = 1
  final float[][] weight;
  final float[][] bias;
  final float[][] prelu;
  final String[] weightName;
  final String[] biasName;
  final String[] preluName;

  /** Registers the MLP's blocks in {@code params} and initialises them from {@code rng}. */
  public MlpWeights(DenseParameters params, int inputDim, int[] hidden, SplittableRandom rng) {
    this.layers = hidden.length + 1;
    this.widths = new int[layers + 1];
    widths[0] = inputDim;
    System.arraycopy(hidden, 0, widths, 1, hidden.length);
    widths[layers] = 1;
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
  }

  /** Width of the input {@code [v, u, v*u]}. */
  public int inputDim() {
    return widths[0];
  }
}
