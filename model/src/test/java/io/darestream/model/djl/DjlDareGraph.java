package io.darestream.model.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.darestream.model.DareConfig;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;
import io.darestream.model.train.DareParameters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DARE's batch loss written a second time, independently of {@code model/train}, as a DJL graph
 * (DARE Section 4; DESIGN.md section 4), so that DJL's autograd can check the hand-written
 * backward: search scores {@code <q, k_i> / sqrt(d)}, softmax over the picked top K, the weighted
 * sum of representation tokens, {@code x = [v, u, v*u]}, the MLP with PReLU, the mean sigmoid
 * cross-entropy and, when the config has it, the weighted auxiliary loss (full softmax over the
 * history). TWIN shares one set of tables, TWIN_PROJ projects through {@code W_q, W_k, P_v, P_t}.
 *
 * <p>Every embedding row the batch reads is a leaf (one matrix per table, one row per id, copied
 * from the live table), as is every dense block; the top-K selection is given (the Java engine's
 * picks), so no gradient flows through it, as in the paper. Rows are gathered by one-hot products,
 * which keeps the graph to plain matrix algebra whose gradients DJL computes without help.
 */
final class DjlDareGraph implements AutoCloseable {
  private final NDManager nd;
  private final DareParameters params;
  private final DareConfig cfg;
  private final boolean projected;
  private final Map<EmbeddingTable, Leaf> leaves = new IdentityHashMap<>();
  private final Map<String, NDArray> dense = new LinkedHashMap<>();
  private double loss;
  private double auxiliaryLoss;

  /** One table's gathered rows as a leaf: row {@code r} is id {@code ids.get(r)}. */
  private static final class Leaf {
    final EmbeddingTable table;
    final List<Long> ids = new ArrayList<>();
    final Map<Long, Integer> rowOf = new HashMap<>();
    NDArray rows;

    Leaf(EmbeddingTable table) {
      this.table = table;
    }

    /** Copies the rows' current weights (as the Java forward reads them) into a leaf array. */
    void materialise(NDManager nd) {
      int d = table.dim();
      float[] w = new float[ids.size() * d];
      for (int r = 0; r < ids.size(); r++) {
        table.copyWeights(ids.get(r), w, r * d);
      }
      rows = nd.create(w, new Shape(ids.size(), d));
      rows.setRequiresGradient(true);
    }
  }

  DjlDareGraph(NDManager nd, DareParameters params) {
    this.nd = nd;
    this.params = params;
    this.cfg = params.config();
    this.projected = params.projected();
  }

  /**
   * Builds the graph of {@code batch} with {@code picks[b]} the history indices (0 = newest) the
   * search kept for sample {@code b}, runs DJL's backward and keeps the gradients of every leaf.
   */
  void run(List<TrainingSample> batch, int[][] picks) {
    int maxL = cfg.maxHistory();
    for (FieldTables set : sets()) {
      for (TrainingSample s : batch) {
        int n = Math.min(s.historyLength(), maxL);
        leaf(set.item()).ensure(s.targetItem());
        leaf(set.category()).ensure(s.targetCategory());
        for (int i = 0; i < n; i++) {
          leaf(set.item()).ensure(s.historyItem(i));
          leaf(set.category()).ensure(s.historyCategory(i));
        }
      }
      for (long p = 0; p <= maxL; p++) {
        leaf(set.position()).ensure(p);
      }
    }
    for (Leaf l : leaves.values()) {
      l.materialise(nd);
    }
    for (String name : params.dense().names()) {
      float[] v = params.dense().block(name).values();
      NDArray a = nd.create(v);
      a.setRequiresGradient(true);
      dense.put(name, a);
    }
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDList xs = new NDList();
      NDList xsAux = new NDList();
      float[] labels = new float[batch.size()];
      for (int b = 0; b < batch.size(); b++) {
        TrainingSample s = batch.get(b);
        labels[b] = s.label();
        sample(s, picks[b], xs, xsAux);
      }
      NDArray y = nd.create(labels);
      NDArray mainLoss = crossEntropy(mlp(NDArrays.concat(xs, 0)), y);
      NDArray total = mainLoss;
      loss = mainLoss.getFloat();
      if (cfg.auxiliaryLoss()) {
        NDArray aux = crossEntropy(mlp(NDArrays.concat(xsAux, 0)), y);
        auxiliaryLoss = aux.getFloat();
        total = mainLoss.add(aux.mul(cfg.auxiliaryLossWeight()));
      }
      gc.backward(total);
    }
  }

  /** Mean binary cross-entropy of the last {@link #run}. */
  double loss() {
    return loss;
  }

  /** Mean auxiliary loss of the last {@link #run} (0 without the auxiliary loss). */
  double auxiliaryLoss() {
    return auxiliaryLoss;
  }

  /** Ids of {@code table} the last batch read, or none. */
  List<Long> ids(EmbeddingTable table) {
    Leaf l = leaves.get(table);
    return l == null ? List.of() : l.ids;
  }

  /** DJL's gradient of row {@code id} of {@code table}. */
  float[] rowGradient(EmbeddingTable table, long id) {
    Leaf l = leaves.get(table);
    int d = table.dim();
    float[] all = l.rows.getGradient().toFloatArray();
    int r = l.rowOf.get(id);
    float[] out = new float[d];
    System.arraycopy(all, r * d, out, 0, d);
    return out;
  }

  /** DJL's gradient of dense block {@code name}, in the block's layout. */
  float[] denseGradient(String name) {
    return dense.get(name).getGradient().toFloatArray();
  }

  private List<FieldTables> sets() {
    List<FieldTables> out = new ArrayList<>();
    out.add(params.attention());
    if (params.representation() != params.attention()) {
      out.add(params.representation());
    }
    return out;
  }

  private Need leaf(EmbeddingTable t) {
    Leaf l = leaves.computeIfAbsent(t, Leaf::new);
    return id -> {
      if (!l.rowOf.containsKey(id)) {
        l.rowOf.put(id, l.ids.size());
        l.ids.add(id);
      }
    };
  }

  /** Records that the batch reads a row. */
  private interface Need {
    void ensure(long id);
  }

  private void sample(TrainingSample s, int[] picked, NDList xs, NDList xsAux) {
    FieldTables att = params.attention();
    FieldTables repr = params.representation();
    int n = Math.min(s.historyLength(), cfg.maxHistory());
    long[] items = new long[n];
    long[] cats = new long[n];
    long[] positions = new long[n];
    for (int i = 0; i < n; i++) {
      items[i] = s.historyItem(i);
      cats[i] = s.historyCategory(i);
      positions[i] = i + 1;
    }
    long[] tItem = {s.targetItem()};
    long[] tCat = {s.targetCategory()};
    long[] tPos = {0};
    NDArray target = token(repr, tItem, tCat, tPos);
    int rDim = 3 * repr.dim();
    NDArray ubar;
    NDArray ubarAux;
    if (n == 0) {
      ubar = nd.zeros(new Shape(1, rDim));
      ubarAux = ubar;
    } else {
      NDArray keys = token(att, items, cats, positions);
      NDArray values = token(repr, items, cats, positions);
      NDArray scores;
      if (projected) {
        int projDim = cfg.attentionTokenDim();
        NDArray q = target.matMul(matrix("proj.query", rDim, projDim));
        NDArray k = keys.matMul(matrix("proj.key", rDim, projDim));
        scores = k.matMul(q.transpose()).mul((float) (1.0 / Math.sqrt(projDim)));
      } else {
        NDArray q = token(att, tItem, tCat, tPos);
        int qDim = 3 * att.dim();
        scores = keys.matMul(q.transpose()).mul((float) (1.0 / Math.sqrt(qDim)));
      }
      // scores: [n, 1]. The selection is a constant one-hot matrix: no gradient through it.
      NDArray select = oneHot(picked, n);
      NDArray w = select.matMul(scores).softmax(0);
      ubar = w.transpose().matMul(select.matMul(values));
      ubarAux = scores.softmax(0).transpose().matMul(values);
    }
    xs.add(input(target, ubar, rDim));
    if (cfg.auxiliaryLoss()) {
      xsAux.add(input(target, ubarAux, rDim));
    }
  }

  /** {@code x = [v, u, v*u]} with {@code u = P_v ubar, v = P_t e_t} for TWIN_PROJ. */
  private NDArray input(NDArray target, NDArray ubar, int rDim) {
    NDArray v = projected ? target.matMul(matrix("proj.target", rDim, rDim)) : target;
    NDArray u = projected ? ubar.matMul(matrix("proj.value", rDim, rDim)) : ubar;
    return NDArrays.concat(new NDList(v, u, v.mul(u)), 1);
  }

  /** The MLP of DARE Section 4: hidden layers with PReLU, one logit per row. */
  private NDArray mlp(NDArray x) {
    int[] hidden = cfg.hiddenSizes();
    NDArray h = x;
    int in = (int) x.getShape().get(1);
    for (int l = 0; l <= hidden.length; l++) {
      int out = l < hidden.length ? hidden[l] : 1;
      NDArray z =
          h.matMul(matrix("mlp." + l + ".weight", in, out)).add(dense.get("mlp." + l + ".bias"));
      if (l < hidden.length) {
        NDArray alpha = dense.get("mlp." + l + ".prelu");
        h = z.maximum(0f).add(z.minimum(0f).mul(alpha));
      } else {
        h = z;
      }
      in = out;
    }
    return h.reshape(-1);
  }

  /** Mean of {@code max(z, 0) - z y + log(1 + exp(-|z|))}. */
  private static NDArray crossEntropy(NDArray z, NDArray y) {
    return z.maximum(0f).sub(z.mul(y)).add(z.abs().neg().exp().add(1f).log()).mean();
  }

  /** A dense block stored input-major {@code [in][out]} as an {@code in x out} matrix. */
  private NDArray matrix(String name, int in, int out) {
    return dense.get(name).reshape(in, out);
  }

  /** Tokens {@code [item | category | position]} of one set, one row per behaviour. */
  private NDArray token(FieldTables set, long[] items, long[] cats, long[] positions) {
    return NDArrays.concat(
        new NDList(
            gather(set.item(), items),
            gather(set.category(), cats),
            gather(set.position(), positions)),
        1);
  }

  private NDArray gather(EmbeddingTable table, long[] ids) {
    Leaf l = leaves.get(table);
    int rows = l.ids.size();
    float[] hot = new float[ids.length * rows];
    for (int i = 0; i < ids.length; i++) {
      hot[i * rows + l.rowOf.get(ids[i])] = 1f;
    }
    return nd.create(hot, new Shape(ids.length, rows)).matMul(l.rows);
  }

  private NDArray oneHot(int[] picked, int n) {
    float[] hot = new float[picked.length * n];
    for (int r = 0; r < picked.length; r++) {
      hot[r * n + picked[r]] = 1f;
    }
    return nd.create(hot, new Shape(picked.length, n));
  }

  @Override
  public void close() {
    leaves.values().forEach(l -> l.rows.close());
    dense.values().forEach(NDArray::close);
  }
}
