package io.darestream.model.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.TrainingSample;
import io.darestream.model.nn.DenseAdam;
import io.darestream.model.nn.DenseGradient;
import io.darestream.model.train.CooccurrenceLoss;
import io.darestream.model.train.DareParameters;
import io.darestream.model.train.Gradients;
import io.darestream.model.train.RowGradients;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch engine that runs the dense part of a training step through DJL's PyTorch engine on a
 * {@link Device} (CPU, or CUDA with a CUDA build of the native library), over the same {@link
 * DareParameters} as {@code DareTrainer} (issue #20 point 4): the rows a batch reads are gathered
 * from the embedding tables onto the device ({@link BatchRows}), the search scores, the top-K
 * selection (no gradient through it), the softmax aggregation, {@code x = [v, u, v*u]}, the PReLU
 * MLP (plus the search's logit term and exact-match terms where configured), the mean sigmoid
 * cross-entropy and the weighted auxiliary loss run as one batched graph whose backward DJL's
 * autograd computes, and the row gradients go back to the tables' sparse optimizers and the dense
 * gradient to the same dense Adam as the Java engine. The search's co-occurrence loss reads and
 * writes rows only: the Java engine's {@link CooccurrenceLoss} adds its gradient here too.
 *
 * <p>Same losses and gradients as the Java engine within float tolerance ({@code
 * DjlBatchEngineTest}), except where two behaviours' scores tie at the K-th place (both are then
 * kept here; the Java search keeps one). Writes the shared parameters: not thread-safe, and nothing
 * may score them meanwhile.
 */
public final class DjlBatchEngine implements AutoCloseable {
  // Added to the scores of behaviours that are padding or not picked: exp() of it is 0.
  private static final float MASKED = -1e30f;

  private final DareParameters params;
  private final DareConfig cfg;
  private final NDManager base;
  private final DenseAdam denseAdam;
  private final DenseGradient denseGrad;
  private final RowGradients rowGrads = new RowGradients();
  // The search's co-occurrence loss, or null when its weight is 0.
  private final CooccurrenceLoss cooccurrence;
  private final int maxL;
  private final int kCap;

  /**
   * An engine over {@code params} computing on {@code device} (e.g. {@code Device.gpu()}).
   *
   * @throws IllegalArgumentException if the model has a setting this engine does not compute
   */
  public DjlBatchEngine(DareParameters params, Device device) {
    List<String> missing = notImplemented(params.config());
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "the DJL batch engine does not implement "
              + String.join(", ", missing)
              + ": use the plain-Java trainer");
    }
    this.params = params;
    this.cfg = params.config();
    this.base = NDManager.newBaseManager(device, "PyTorch");
    this.denseAdam = params.newDenseAdam();
    this.denseGrad = new DenseGradient(params.dense());
    this.cooccurrence = cfg.cooccurrenceLossWeight() > 0 ? new CooccurrenceLoss(params) : null;
    this.maxL = cfg.maxHistory();
    this.kCap = Math.min(cfg.topK(), maxL);
  }

  /** What of {@code cfg} this engine's graph does not compute (it would train another model). */
  private static List<String> notImplemented(DareConfig cfg) {
    List<String> out = new ArrayList<>();
    if (cfg.straightThroughSearch()) {
      out.add("the straight-through search (dare.model.straight-through-search)");
    }
    if (cfg.auxiliaryLoss() && cfg.auxiliarySamples() > 0) {
      out.add("the sampled auxiliary softmax (auxiliarySamples " + cfg.auxiliarySamples() + ")");
    }
    if (!cfg.attentionPositions()) {
      out.add("an attention token without its position field (attentionPositions false)");
    }
    return out;
  }

  /** The device the engine computes on. */
  public Device device() {
    return base.getDevice();
  }

  /** One step: forward and backward on the device, then the sparse and dense updates. */
  public BatchResult trainStep(List<TrainingSample> batch) {
    float[] predictions = new float[batch.size()];
    Gradients g = gradients(batch, predictions);
    long now = Long.MIN_VALUE;
    for (TrainingSample s : batch) {
      now = Math.max(now, s.eventTimeMs());
    }
    g.rows().apply(now);
    denseAdam.step(params.dense(), g.dense());
    long version = params.version() + 1;
    params.setVersion(version);
    return new BatchResult(predictions, g.loss(), g.auxiliaryLoss(), version);
  }

  /**
   * The gradient of the batch's mean loss plus the weighted auxiliary loss, not applied; live
   * scratch, valid until the next call.
   */
  public Gradients gradients(List<TrainingSample> batch) {
    return gradients(batch, new float[batch.size()]);
  }

  private Gradients gradients(List<TrainingSample> batch, float[] predictions) {
    int bsz = batch.size();
    if (bsz == 0) {
      throw new IllegalArgumentException("empty batch");
    }
    int longest = 0;
    for (TrainingSample s : batch) {
      longest = Math.max(longest, Math.min(s.historyLength(), maxL));
    }
    denseGrad.clear();
    rowGrads.clear();
    double loss;
    double auxLoss = 0;
    try (NDManager nd = base.newSubManager()) {
      BatchRows att = new BatchRows(params.attention(), batch, longest, maxL, nd);
      BatchRows repr =
          params.representation() == params.attention()
              ? att
              : new BatchRows(params.representation(), batch, longest, maxL, nd);
      Map<String, NDArray> dense = new LinkedHashMap<>();
      for (String name : params.dense().names()) {
        NDArray a = nd.create(params.dense().block(name).values());
        a.setRequiresGradient(true);
        dense.put(name, a);
      }
      float[] labels = new float[bsz];
      float[] valid = new float[bsz * longest];
      // [B * longest, 2]: whether each behaviour is the target's item, and its category.
      float[] matches = cfg.exactMatch() ? new float[bsz * longest * 2] : null;
      for (int b = 0; b < bsz; b++) {
        TrainingSample s = batch.get(b);
        labels[b] = s.label();
        int n = Math.min(s.historyLength(), maxL);
        for (int i = 0; i < n; i++) {
          valid[b * longest + i] = 1f;
          if (matches != null) {
            int o = 2 * (b * longest + i);
            matches[o] = s.historyItem(i) == s.targetItem() ? 1f : 0f;
            matches[o + 1] = s.historyCategory(i) == s.targetCategory() ? 1f : 0f;
          }
        }
      }
      NDArray y = nd.create(labels);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        Graph graph = new Graph(dense);
        NDArray target = repr.targetTokens();
        int rDim = (int) target.getShape().get(1);
        NDArray ubar;
        NDArray ubarAux;
        // The search's logit term: the softmax-weighted mean of the picked scores.
        NDArray searchMean;
        if (longest == 0) {
          ubar = nd.zeros(new Shape(bsz, rDim));
          ubarAux = ubar;
          searchMean = nd.zeros(new Shape(bsz));
        } else {
          NDArray mask = nd.create(valid, new Shape(bsz, longest));
          NDArray raw = graph.scores(target, att, rDim);
          if (matches != null) {
            NDArray weights = dense.get(DareParameters.EXACT_MATCH_BLOCK).reshape(2, 1);
            raw =
                raw.add(
                    nd.create(matches, new Shape(bsz * longest, 2))
                        .matMul(weights)
                        .reshape(bsz, longest));
          }
          NDArray scores = raw.add(mask.sub(1f).mul(-MASKED));
          // The search: the top K per sample, a constant mask (no gradient through the selection).
          int k = Math.min(kCap, longest);
          NDArray kth = scores.topK(k, 1).get(0).min(new int[] {1}, true);
          NDArray picked = scores.gte(kth).toType(DataType.FLOAT32, false).mul(mask).stopGradient();
          NDArray w = scores.add(picked.sub(1f).mul(-MASKED)).softmax(1).mul(picked);
          ubar = repr.weightedSum(w);
          ubarAux = repr.weightedSum(scores.softmax(1).mul(mask));
          searchMean = w.mul(raw).sum(new int[] {1});
        }
        NDArray logits = graph.mlp(graph.input(target, ubar, rDim));
        if (cfg.searchLogitWeight() != 0) {
          logits = logits.add(searchMean.mul(cfg.searchLogitWeight()));
        }
        NDArray main = crossEntropy(logits, y);
        NDArray total = main;
        loss = main.getFloat();
        if (cfg.auxiliaryLoss()) {
          NDArray aux = crossEntropy(graph.mlp(graph.input(target, ubarAux, rDim)), y);
          auxLoss = aux.getFloat();
          total = main.add(aux.mul(cfg.auxiliaryLossWeight()));
        }
        float[] z = logits.toFloatArray();
        for (int b = 0; b < bsz; b++) {
          predictions[b] = (float) (1.0 / (1.0 + Math.exp(-z[b])));
        }
        gc.backward(total);
      }
      for (Map.Entry<String, NDArray> e : dense.entrySet()) {
        float[] g = e.getValue().getGradient().toFloatArray();
        System.arraycopy(g, 0, denseGrad.block(e.getKey()), 0, g.length);
      }
      att.addGradients(rowGrads, maxL);
      if (repr != att) {
        repr.addGradients(rowGrads, maxL);
      }
    }
    // The co-occurrence loss reads and writes rows only: the Java kernel adds its gradient here
    // too.
    double cooccurrenceLoss =
        cooccurrence == null ? 0 : cooccurrence.accumulate(batch, params.version(), rowGrads);
    return new Gradients(denseGrad, rowGrads, loss, auxLoss, cooccurrenceLoss);
  }

  /** Mean of {@code max(z, 0) - z y + log(1 + exp(-|z|))}, the stable sigmoid cross-entropy. */
  private static NDArray crossEntropy(NDArray z, NDArray y) {
    return z.maximum(0f).sub(z.mul(y)).add(z.abs().neg().exp().add(1f).log()).mean();
  }

  /** The batch's graph over the dense leaves. */
  private final class Graph {
    private final Map<String, NDArray> dense;

    Graph(Map<String, NDArray> dense) {
      this.dense = dense;
    }

    /**
     * Attention scores {@code [B, longest]}: {@code <q, k_i> / sqrt(d)} with the attention set's
     * tokens, or for TWIN_PROJ {@code <W_q^T e_t, W_k^T e_i> / sqrt(d_proj)}.
     */
    NDArray scores(NDArray target, BatchRows att, int rDim) {
      NDArray q;
      int width;
      if (params.projected()) {
        // Folded as the Java search does: <W_q^T e_t, W_k^T e_i> = <W_k W_q^T e_t, e_i>.
        width = cfg.attentionTokenDim();
        q =
            target
                .matMul(matrix("proj.query", rDim, width))
                .matMul(matrix("proj.key", rDim, width).transpose());
      } else {
        q = att.targetTokens();
        width = (int) q.getShape().get(1);
      }
      return att.scores(q).mul((float) (1.0 / Math.sqrt(width)));
    }

    /** {@code x = [v, u, v*u]} with {@code u = P_v ubar, v = P_t e_t} for TWIN_PROJ. */
    NDArray input(NDArray target, NDArray ubar, int rDim) {
      boolean projected = params.projected();
      NDArray v = projected ? target.matMul(matrix("proj.target", rDim, rDim)) : target;
      NDArray u = projected ? ubar.matMul(matrix("proj.value", rDim, rDim)) : ubar;
      return NDArrays.concat(new NDList(v, u, v.mul(u)), 1);
    }

    /** The MLP of DARE Section 4: hidden layers with PReLU, one logit per sample. */
    NDArray mlp(NDArray x) {
      int[] hidden = cfg.hiddenSizes();
      NDArray h = x;
      int in = (int) x.getShape().get(1);
      for (int l = 0; l <= hidden.length; l++) {
        int out = l < hidden.length ? hidden[l] : 1;
        NDArray z =
            h.matMul(matrix("mlp." + l + ".weight", in, out)).add(dense.get("mlp." + l + ".bias"));
        h =
            l < hidden.length
                ? z.maximum(0f).add(z.minimum(0f).mul(dense.get("mlp." + l + ".prelu")))
                : z;
        in = out;
      }
      return h.reshape(-1);
    }

    /** A dense block stored input-major {@code [in][out]} as an {@code in x out} matrix. */
    private NDArray matrix(String name, int in, int out) {
      return dense.get(name).reshape(in, out);
    }
  }

  @Override
  public void close() {
    base.close();
  }
}
