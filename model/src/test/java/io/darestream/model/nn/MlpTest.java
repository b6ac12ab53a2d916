package io.darestream.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The row-layout MLP against a straightforward double-precision reference (forward, parameter
 * gradients, input gradient), with odd sizes so that every tail loop runs, and bit-identical logits
 * whatever the batch a sample is scored in.
 */
class MlpTest {

  @ParameterizedTest
  @CsvSource({"7,5,3,5", "8,6,4,6", "9,7,2,1", "144,200,80,13"})
  void matchesReferenceForwardAndBackward(int in, int h1, int h2, int batch) {
    SplittableRandom rng = new SplittableRandom(11);
    DenseParameters params = new DenseParameters();
    Mlp mlp = new Mlp(params, in, new int[] {h1, h2}, 16, rng);
    // Non-trivial biases and slopes so that their gradients are exercised.
    for (String name : params.names()) {
      if (!name.endsWith(".weight")) {
        float[] b = params.live(name);
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) rng.nextGaussian() * 0.3f;
        }
      }
    }
    float[] x = new float[batch * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    float[] dLogits = new float[batch];
    for (int s = 0; s < batch; s++) {
      dLogits[s] = (float) rng.nextGaussian();
    }
    float[] logits = mlp.forward(x, batch).clone();
    DenseGradient grad = new DenseGradient(params);
    float[] dx = new float[batch * in];
    mlp.backward(dLogits, grad, dx);

    Reference ref = new Reference(params, new int[] {in, h1, h2, 1});
    double[] expected = ref.forward(x, batch);
    for (int s = 0; s < batch; s++) {
      assertThat((double) logits[s])
          .isCloseTo(expected[s], within(1e-4 * (1 + Math.abs(expected[s]))));
    }
    ref.backward(dLogits, batch);
    for (String name : params.names()) {
      float[] got = grad.block(name);
      double[] want = ref.grads.get(name);
      for (int i = 0; i < got.length; i++) {
        assertThat((double) got[i])
            .as(name + "[" + i + "]")
            .isCloseTo(want[i], within(1e-3 * (1 + Math.abs(want[i]))));
      }
    }
    for (int i = 0; i < dx.length; i++) {
      assertThat((double) dx[i]).isCloseTo(ref.dx[i], within(1e-3 * (1 + Math.abs(ref.dx[i]))));
    }
  }

  @ParameterizedTest
  @CsvSource({"144,200,80", "9,7,3"})
  void sampleScoresTheSameAloneOrInAnyBatch(int in, int h1, int h2) {
    SplittableRandom rng = new SplittableRandom(5);
    DenseParameters params = new DenseParameters();
    Mlp mlp = new Mlp(params, in, new int[] {h1, h2}, 32, rng);
    Mlp other = new Mlp(mlp.weights(), 1);
    int batch = 31;
    float[] x = new float[batch * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    float[] all = mlp.forward(x, batch).clone();
    float[] one = new float[in];
    for (int s = 0; s < batch; s++) {
      System.arraycopy(x, s * in, one, 0, in);
      assertThat(other.forward(one, 1)[0]).isEqualTo(all[s]);
    }
  }

  /** Textbook MLP in double precision, straight from the flat input-major blocks. */
  private static final class Reference {
    final DenseParameters params;
    final int[] widths;
    final int layers;
    double[][][] act;
    double[][][] pre;
    final java.util.Map<String, double[]> grads = new java.util.HashMap<>();
    double[] dx;

    Reference(DenseParameters params, int[] widths) {
      this.params = params;
      this.widths = widths;
      this.layers = widths.length - 1;
    }

    double[] forward(float[] x, int batch) {
      act = new double[layers + 1][batch][];
      pre = new double[layers + 1][batch][];
      for (int s = 0; s < batch; s++) {
        act[0][s] = new double[widths[0]];
        for (int i = 0; i < widths[0]; i++) {
          act[0][s][i] = x[s * widths[0] + i];
        }
        for (int l = 0; l < layers; l++) {
          int in = widths[l];
          int out = widths[l + 1];
          float[] w = params.live("mlp." + l + ".weight");
          float[] b = params.live("mlp." + l + ".bias");
          double[] z = new double[out];
          for (int o = 0; o < out; o++) {
            z[o] = b[o];
            for (int i = 0; i < in; i++) {
              z[o] += act[l][s][i] * w[i * out + o];
            }
          }
          pre[l + 1][s] = z;
          double[] a = new double[out];
          for (int o = 0; o < out; o++) {
            a[o] =
                l < layers - 1 && z[o] <= 0 ? params.live("mlp." + l + ".prelu")[o] * z[o] : z[o];
          }
          act[l + 1][s] = a;
        }
      }
      double[] out = new double[batch];
      for (int s = 0; s < batch; s++) {
        out[s] = act[layers][s][0];
      }
      return out;
    }

    void backward(float[] dLogits, int batch) {
      for (String n : params.names()) {
        grads.put(n, new double[params.live(n).length]);
      }
      dx = new double[batch * widths[0]];
      for (int s = 0; s < batch; s++) {
        double[] d = {dLogits[s]};
        for (int l = layers - 1; l >= 0; l--) {
          int in = widths[l];
          int out = widths[l + 1];
          if (l < layers - 1) {
            float[] alpha = params.live("mlp." + l + ".prelu");
            double[] dAlpha = grads.get("mlp." + l + ".prelu");
            for (int o = 0; o < out; o++) {
              if (pre[l + 1][s][o] <= 0) {
                dAlpha[o] += d[o] * pre[l + 1][s][o];
                d[o] *= alpha[o];
              }
            }
          }
          float[] w = params.live("mlp." + l + ".weight");
          double[] dW = grads.get("mlp." + l + ".weight");
          double[] dB = grads.get("mlp." + l + ".bias");
          double[] dIn = new double[in];
          for (int o = 0; o < out; o++) {
            dB[o] += d[o];
            for (int i = 0; i < in; i++) {
              dW[i * out + o] += act[l][s][i] * d[o];
              dIn[i] += d[o] * w[i * out + o];
            }
          }
          d = dIn;
        }
        System.arraycopy(d, 0, dx, s * widths[0], widths[0]);
      }
    }
  }
}
