package io.darestream.model.train;

import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.RowCopy;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;
import io.darestream.model.embedding.RowIndex;
import io.darestream.model.nn.DenseAdam;
import io.darestream.model.nn.DenseGradient;
import io.darestream.model.nn.DenseParameters;
import io.darestream.model.nn.LinearMap;
import io.darestream.model.nn.Mlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Forward and backward of DARE and its baselines on micro-batches (DARE paper Section 4):
 *
 * <ol>
 *   <li>search: {@code s_i = <q, k_i> / sqrt(d)} with the attention set, top K (no gradient through
 *       the selection);
 *   <li>aggregate: {@code w = softmax(s_topK)}, {@code u = sum w_i E^Repr(b_i)}, {@code v =
 *       E^Repr(target)}, {@code h = v * u};
 *   <li>MLP on {@code [v, u, h]} with PReLU, sigmoid, binary cross-entropy;
 *   <li>optional auxiliary loss: the same with a full softmax over all L behaviours.
 * </ol>
 *
 * Gradients reach the dense parameters, every gathered representation row and, through the softmax
 * weights of the selected K, the attention rows of the target and the selected behaviours. TWIN
 * uses one table set for both roles; TWIN_PROJ adds query, key, value and target projections
 * (Section 3.2). The search query of TWIN_PROJ is folded to {@code W_k W_q^T e_t} so that its
 * search costs the same as TWIN's.
 *
 * <p>Scoring runs the very same forward code, so serving and training agree bit for bit. Not
 * thread-safe: it owns its scratch; {@link #scorer()} gives further views for concurrent scoring.
 */
public final class DareNetwork {
  private static final long TARGET_POSITION = 0L;
  // Searches of one history from which transposing its keys for the column kernel pays off.
  private static final int TRANSPOSE_FROM_SEARCHES = 8;
  private static final int NOT_LOOKED_UP = Workspace.NOT_LOOKED_UP;

  private final DareConfig cfg;
  private final DareParameters params;
  private final Workspace ws;
  private final boolean projected;
  private final FieldTables keyTables;
  private final FieldTables valueTables;
  private final DenseParameters dense;
  private final DenseGradient denseGrad;
  private final DenseAdam denseAdam;
  private final Mlp mlp;
  private final LinearMap projQuery;
  private final LinearMap projKey;
  private final LinearMap projValue;
  private final LinearMap projTarget;
  private final RowGradients rowGrads = new RowGradients();
  // Accumulators of item, category and position rows; the same objects when TWIN shares tables.
  private final RowGradients.TableGradient[] keyGrads;
  private final RowGradients.TableGradient[] valueGrads;
  private final boolean scoringOnly;

  private final int dk; // per-field dim of the search (key) tables
  private final int dr; // per-field dim of the value tables
  private final int keyWidth; // item + category columns of a gathered key
  private final int qDim; // search query width: 3 * dk
  private final int rDim; // value token width: 3 * dr
  private final int xDim; // MLP input width: 3 * rDim
  private final int projDim;
  private final float scale;
  private final int maxL;
  private final int kCap;
  private final int maxBatch;

  private final float[] dx;
  private final float[] dLogits;
  private final float[] predictions;
  private final float[] dv;
  private final float[] du;
  private final float[] dUbar;
  private final float[] dTarget;
  private final float[] dq;
  private final float[] dqp;

  private float[] dwScratch = new float[16];

  public DareNetwork(DareConfig cfg) {
    this(new DareParameters(cfg), false);
  }

  private DareNetwork(DareParameters params, boolean scoringOnly) {
    this.cfg = params.config();
    this.params = params;
    this.scoringOnly = scoringOnly;
    this.ws = new Workspace(params);
    this.projected = params.projected();
    keyTables = params.attention();
    valueTables = params.representation();
    NetworkShape s = params.shape();
    dk = s.dk();
    dr = s.dr();
    keyWidth = s.keyWidth();
    qDim = s.qDim();
    rDim = s.rDim();
    xDim = s.xDim();
    projDim = s.projDim();
    scale = s.scale();
    maxL = s.maxL();
    kCap = s.kCap();
    maxBatch = s.maxBatch();
    dense = params.dense();
    mlp = ws.mlp;
    Projections p = params.projections();
    projQuery = p == null ? null : p.query();
    projKey = p == null ? null : p.key();
    projValue = p == null ? null : p.value();
    projTarget = p == null ? null : p.target();
    denseGrad = scoringOnly ? null : new DenseGradient(dense);
    keyGrads = scoringOnly ? null : gradientsOf(keyTables);
    valueGrads = scoringOnly ? null : gradientsOf(valueTables);
    denseAdam = new DenseAdam(cfg.denseLearningRate());
    dx = new float[maxBatch * xDim];
    dLogits = new float[maxBatch];
    predictions = new float[maxBatch];
    dv = new float[rDim];
    du = new float[rDim];
    dUbar = new float[rDim];
    dTarget = new float[rDim];
    dq = new float[qDim];
    dqp = new float[projDim];
  }

  private RowGradients.TableGradient[] gradientsOf(FieldTables t) {
    return new RowGradients.TableGradient[] {
      rowGrads.of(t.item()), rowGrads.of(t.category()), rowGrads.of(t.position(), maxL + 1)
    };
  }

  public DareConfig config() {
    return cfg;
  }

  /**
   * A scoring-only network over this one's live tables and dense parameters, with scratch of its
   * own: several threads may score at once, each with its own view, as long as nobody writes the
   * parameters meanwhile (the caller's read/write lock). Scores are bit-identical to this
   * network's.
   */
  public DareNetwork scorer() {
    return new DareNetwork(params, true);
  }

  public List<EmbeddingTable> tables() {
    return params.tables();
  }

  public DenseParameters dense() {
    return dense;
  }

  public long version() {
    return params.version();
  }

  public void setVersion(long version) {
    params.setVersion(version);
  }

  // ---------------------------------------------------------------- training

  /** Prequential step on up to {@code microBatchSize} samples: predict, then update. */
  public BatchResult trainStep(List<TrainingSample> batch) {
    Gradients g = gradients(batch, true);
    long now = Long.MIN_VALUE;
    for (TrainingSample s : batch) {
      now = Math.max(now, s.eventTimeMs());
    }
    g.rows().apply(now);
    denseAdam.step(dense, g.dense());
    long version = params.advanceVersion();
    return new BatchResult(
        Arrays.copyOf(predictions, batch.size()), g.loss(), g.auxiliaryLoss(), version);
  }

  /**
   * Gradient of the batch's mean loss (plus the weighted auxiliary loss) without applying it; the
   * returned objects are live scratch, valid until the next call. Predictions of the forward pass
   * are kept for {@link #trainStep}.
   */
  public Gradients gradients(List<TrainingSample> batch, boolean withBackward) {
    if (scoringOnly) {
      throw new IllegalStateException("a scoring view does not train");
    }
    int bsz = batch.size();
    checkBatch(bsz);
    refreshPositions(maxHistoryOf(batch));
    boolean aux = cfg.auxiliaryLoss();
    lookUpTargets(batch);
    for (int b = 0; b < bsz; b++) {
      TrainingSample s = batch.get(b);
      // A clicked item and its sampled negatives share one history: gather it once.
      if (b == 0 || !s.sameHistory(batch.get(b - 1))) {
        gatherHistory(s);
      }
      forwardSample(b, aux);
    }
    float[] logits = mlp.forward(ws.x, bsz);
    double loss = 0;
    for (int b = 0; b < bsz; b++) {
      int y = batch.get(b).label();
      predictions[b] = sigmoid(logits[b]);
      loss += bce(logits[b], y);
      dLogits[b] = (predictions[b] - y) / bsz;
    }
    loss /= bsz;
    denseGrad.clear();
    rowGrads.clear();
    if (withBackward) {
      mlp.backward(dLogits, denseGrad, dx);
      for (int b = 0; b < bsz; b++) {
        backwardSample(b, dx, false);
      }
    }
    double auxLoss = 0;
    if (aux) {
      float[] auxLogits = mlp.forward(ws.xAux, bsz);
      float weight = cfg.auxiliaryLossWeight();
      for (int b = 0; b < bsz; b++) {
        int y = batch.get(b).label();
        auxLoss += bce(auxLogits[b], y);
        dLogits[b] = weight * (sigmoid(auxLogits[b]) - y) / bsz;
      }
      auxLoss /= bsz;
      if (withBackward) {
        mlp.backward(dLogits, denseGrad, dx);
        for (int b = 0; b < bsz; b++) {
          if (b == 0 || !batch.get(b).sameHistory(batch.get(b - 1))) {
            gatherHistory(batch.get(b));
          }
          backwardSample(b, dx, true);
        }
      }
    }
    return new Gradients(denseGrad, rowGrads, loss, auxLoss);
  }

  /** Mean loss of a batch plus the weighted auxiliary loss, forward only (for gradient checks). */
  public double objective(List<TrainingSample> batch) {
    Gradients g = gradients(batch, false);
    return g.loss() + cfg.auxiliaryLossWeight() * g.auxiliaryLoss();
  }

  // ---------------------------------------------------------------- scoring

  /** Click probabilities of {@code samples}' targets, no training. */
  public float[] predict(List<TrainingSample> samples) {
    float[] out = new float[samples.size()];
    for (int start = 0; start < samples.size(); start += maxBatch) {
      List<TrainingSample> chunk =
          samples.subList(start, Math.min(samples.size(), start + maxBatch));
      refreshPositions(maxHistoryOf(chunk));
      lookUpTargets(chunk);
      for (int b = 0; b < chunk.size(); b++) {
        TrainingSample s = chunk.get(b);
        if (b == 0 || !s.sameHistory(chunk.get(b - 1))) {
          gatherHistory(s);
        }
        forwardSample(b, false);
      }
      float[] logits = mlp.forward(ws.x, chunk.size());
      for (int b = 0; b < chunk.size(); b++) {
        out[start + b] = sigmoid(logits[b]);
      }
    }
    return out;
  }

  /**
   * Scores candidates against one history (newest first); the history's attention keys are gathered
   * once and searched per candidate. When {@code explain} is not null it receives, per candidate,
   * the retrieved behaviours.
   */
  public float[] score(
      long[] historyItems,
      long[] historyCategories,
      long[] candidateItems,
      long[] candidateCategories,
      List<Explanation> explain) {
    if (historyItems.length != historyCategories.length) {
      throw new IllegalArgumentException("history items and categories differ in length");
    }
    if (candidateItems.length != candidateCategories.length) {
      throw new IllegalArgumentException("candidate items and categories differ in length");
    }
    int n = Math.min(historyItems.length, maxL);
    refreshPositions(n);
    gatherHistory(historyItems, historyCategories, n);
    if (candidateItems.length >= TRANSPOSE_FROM_SEARCHES) {
      ws.history.transpose();
    }
    float[] out = new float[candidateItems.length];
    for (int start = 0; start < candidateItems.length; start += maxBatch) {
      int count = Math.min(maxBatch, candidateItems.length - start);
      System.arraycopy(candidateItems, start, ws.tItem, 0, count);
      System.arraycopy(candidateCategories, start, ws.tCat, 0, count);
      lookUpTargets(count);
      for (int b = 0; b < count; b++) {
        forwardSample(b, false);
      }
      float[] logits = mlp.forward(ws.x, count);
      for (int b = 0; b < count; b++) {
        out[start + b] = sigmoid(logits[b]);
        if (explain != null) {
          explain.add(explanation(b, out[start + b]));
        }
      }
    }
    return out;
  }

  private Explanation explanation(int b, float p) {
    List<RetrievedBehaviour> r = new ArrayList<>(ws.selCount[b]);
    for (int j = 0; j < ws.selCount[b]; j++) {
      int o = b * kCap + j;
      r.add(
          new RetrievedBehaviour(
              ws.sel.index[o] + 1,
              ws.sel.items[o],
              ws.sel.cats[o],
              ws.selScore[o],
              ws.sel.weights[o]));
    }
    return new Explanation(ws.tItem[b], ws.tCat[b], p, r);
  }

  // ---------------------------------------------------------------- forward

  private void refreshPositions(int longest) {
    ws.positions.refresh(keyTables, valueTables, Math.min(longest, maxL));
  }

  private void gatherHistory(TrainingSample s) {
    int n = Math.min(s.historyLength(), maxL);
    for (int i = 0; i < n; i++) {
      ws.histItems[i] = s.historyItem(i);
      ws.histCats[i] = s.historyCategory(i);
    }
    gatherKeys(n);
  }

  private void gatherHistory(long[] items, long[] cats, int n) {
    System.arraycopy(items, 0, ws.histItems, 0, n);
    System.arraycopy(cats, 0, ws.histCats, 0, n);
    gatherKeys(n);
  }

  /**
   * Gathers the attention keys of {@code histItems/histCats[0, n)} into {@link Workspace#history}.
   */
  private void gatherKeys(int n) {
    EmbeddingTable items = keyTables.item();
    EmbeddingTable cats = keyTables.category();
    // All row-id probes first (they overlap in the memory system), then the copies.
    items.slots(ws.histItems, n, ws.itemSlots);
    cats.slots(ws.histCats, n, ws.catSlots);
    float[] rows = ws.history.rows();
    for (int i = 0; i < n; i++) {
      copyRow(items, ws.histItems[i], ws.itemSlots[i], rows, i * keyWidth);
      copyRow(cats, ws.histCats[i], ws.catSlots[i], rows, i * keyWidth + dk);
    }
    ws.history.publish(n);
    if (valueTables == keyTables) {
      // TWIN: the value rows are the key rows just probed.
      System.arraycopy(ws.itemSlots, 0, ws.valueItemSlots, 0, n);
      System.arraycopy(ws.catSlots, 0, ws.valueCatSlots, 0, n);
    } else {
      Arrays.fill(ws.valueItemSlots, 0, n, NOT_LOOKED_UP);
      Arrays.fill(ws.valueCatSlots, 0, n, NOT_LOOKED_UP);
    }
  }

  /**
   * Value-table slots of the behaviours the last search picked, looked up once per history: a
   * behaviour picked for several targets (serving scores 100 candidates against one history) is
   * probed once, and the new ones are probed all at once so that their misses overlap.
   */
  private void lookUpValueSlots(int m) {
    int missing = 0;
    for (int r = 0; r < m; r++) {
      int i = ws.top.index(r);
      if (ws.valueItemSlots[i] == NOT_LOOKED_UP) {
        ws.pickIndex[missing] = i;
        ws.pickItems[missing] = ws.histItems[i];
        ws.pickCats[missing] = ws.histCats[i];
        missing++;
      }
    }
    if (missing == 0) {
      return;
    }
    valueTables.item().slots(ws.pickItems, missing, ws.pickSlots);
    for (int j = 0; j < missing; j++) {
      ws.valueItemSlots[ws.pickIndex[j]] = ws.pickSlots[j];
    }
    valueTables.category().slots(ws.pickCats, missing, ws.pickSlots);
    for (int j = 0; j < missing; j++) {
      ws.valueCatSlots[ws.pickIndex[j]] = ws.pickSlots[j];
    }
  }

  private static void copyRow(EmbeddingTable t, long id, int slot, float[] dst, int off) {
    if (slot == RowIndex.MISSING) {
      t.initialWeights(id, dst, off);
    } else {
      t.copySlot(slot, dst, off);
    }
  }

  /**
   * Writes the target token (position 0) of {@code t} into {@code dst[off ..)}, its item and
   * category rows from the slots looked up at {@code b}.
   */
  private static void gatherTarget(
      FieldTables t,
      long item,
      long cat,
      float[] dst,
      int off,
      int[] itemSlot,
      int[] catSlot,
      int b) {
    int d = t.dim();
    copyRow(t.item(), item, itemSlot[b], dst, off);
    copyRow(t.category(), cat, catSlot[b], dst, off + d);
    t.position().copyWeights(TARGET_POSITION, dst, off + 2 * d);
  }

  private static int maxHistoryOf(List<TrainingSample> batch) {
    int n = 0;
    for (TrainingSample s : batch) {
      n = Math.max(n, s.historyLength());
    }
    return n;
  }

  /**
   * Target ids of the batch into {@link Workspace#tItem}/{@link Workspace#tCat}, then {@link
   * #lookUpTargets(int)}.
   */
  private void lookUpTargets(List<TrainingSample> batch) {
    int n = batch.size();
    for (int b = 0; b < n; b++) {
      TrainingSample s = batch.get(b);
      ws.tItem[b] = s.targetItem();
      ws.tCat[b] = s.targetCategory();
    }
    lookUpTargets(n);
  }

  /**
   * Table slots of the targets {@code tItem/tCat[0, n)} in both sets, each table's probes all at
   * once so that their cache misses overlap (one by one in the forward, each waited alone).
   */
  private void lookUpTargets(int n) {
    valueTables.item().slots(ws.tItem, n, ws.tValueItemSlot);
    valueTables.category().slots(ws.tCat, n, ws.tValueCatSlot);
    if (projected) {
      return; // the query is a projection of the value token: no key rows
    }
    if (keyTables == valueTables) {
      System.arraycopy(ws.tValueItemSlot, 0, ws.tKeyItemSlot, 0, n);
      System.arraycopy(ws.tValueCatSlot, 0, ws.tKeyCatSlot, 0, n);
    } else {
      keyTables.item().slots(ws.tItem, n, ws.tKeyItemSlot);
      keyTables.category().slots(ws.tCat, n, ws.tKeyCatSlot);
    }
  }

  /**
   * Forward of target {@code b} ({@link Workspace#tItem}, {@link Workspace#tCat}, slots from {@link
   * #lookUpTargets}) against the gathered history; fills the sample's slot {@code b}.
   */
  private void forwardSample(int b, boolean aux) {
    int n = ws.history.length();
    long item = ws.tItem[b];
    long cat = ws.tCat[b];
    int qo = b * qDim;
    int ro = b * rDim;
    gatherTarget(
        valueTables, item, cat, ws.targetValue, ro, ws.tValueItemSlot, ws.tValueCatSlot, b);
    if (projected) {
      projQuery.apply(ws.targetValue, ro, ws.qProj, b * projDim);
      projKey.applyTransposed(ws.qProj, b * projDim, ws.queries, qo);
    } else {
      gatherTarget(keyTables, item, cat, ws.queries, qo, ws.tKeyItemSlot, ws.tKeyCatSlot, b);
    }
    System.arraycopy(ws.queries, qo, ws.query, 0, qDim);
    updatePositionBias();

    // Search (Section 4: top-K by attention score; the selection itself has no gradient).
    ws.kernel.search(ws.query, ws.history, ws.positions.bias, scale, ws.top);
    int m = ws.top.size();
    ws.selCount[b] = m;
    int so = b * kCap;
    float max = m > 0 ? ws.top.score(0) : 0f;
    float sum = 0f;
    for (int r = 0; r < m; r++) {
      float e = (float) Math.exp(ws.top.score(r) - max);
      ws.sel.weights[so + r] = e;
      sum += e;
    }
    Arrays.fill(ws.uBar, ro, ro + rDim, 0f);
    lookUpValueSlots(m);
    EmbeddingTable valueItems = valueTables.item();
    EmbeddingTable valueCats = valueTables.category();
    for (int r = 0; r < m; r++) {
      int i = ws.top.index(r);
      int o = so + r;
      float w = ws.sel.weights[o] / sum;
      ws.sel.weights[o] = w;
      ws.sel.index[o] = i;
      ws.selScore[o] = ws.top.score(r);
      ws.sel.items[o] = ws.histItems[i];
      ws.sel.cats[o] = ws.histCats[i];
      ws.sel.keyItemSlot[o] = ws.itemSlots[i];
      ws.sel.keyCatSlot[o] = ws.catSlots[i];
      ws.sel.valueItemSlot[o] = ws.valueItemSlots[i];
      ws.sel.valueCatSlot[o] = ws.valueCatSlots[i];
      int vo = o * rDim;
      copyRow(valueItems, ws.histItems[i], ws.valueItemSlots[i], ws.sel.values, vo);
      copyRow(valueCats, ws.histCats[i], ws.valueCatSlots[i], ws.sel.values, vo + dr);
      RowCopy.copy(ws.positions.valueRows, i * dr, ws.sel.values, vo + 2 * dr, dr);
      ws.history.copyKey(i, ws.sel.keys, o * keyWidth);
      for (int j = 0; j < rDim; j++) {
        ws.uBar[ro + j] += w * ws.sel.values[vo + j];
      }
    }
    finishInput(b, ws.uBar, ws.u, ws.x);
    if (aux) {
      forwardAux(b, n);
    }
  }

  /** Auxiliary path: full softmax over every behaviour, no top-K. */
  private void forwardAux(int b, int n) {
    int ro = b * rDim;
    ws.kernel.scoreEvery(ws.query, ws.history, ws.positions.bias, scale, ws.all);
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, ws.all.score(i));
    }
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(ws.all.score(i) - max);
      ws.full.weights[i] = e;
      sum += e;
    }
    Arrays.fill(ws.uBarAux, ro, ro + rDim, 0f);
    for (int i = 0; i < n; i++) {
      float w = ws.full.weights[i] / sum;
      valueTables.gatherToken(ws.histItems[i], ws.histCats[i], i + 1, ws.row, 0);
      for (int j = 0; j < rDim; j++) {
        ws.uBarAux[ro + j] += w * ws.row[j];
      }
    }
    finishInput(b, ws.uBarAux, ws.uAux, ws.xAux);
  }

  /** {@code u = P_v ubar}, {@code v = P_t e_t} (identity without projection), x = [v, u, v*u]. */
  private void finishInput(int b, float[] ubarArr, float[] uArr, float[] xArr) {
    int ro = b * rDim;
    if (projected) {
      projValue.apply(ubarArr, ro, uArr, ro);
      projTarget.apply(ws.targetValue, ro, ws.v, ro);
    } else {
      System.arraycopy(ubarArr, ro, uArr, ro, rDim);
      System.arraycopy(ws.targetValue, ro, ws.v, ro, rDim);
    }
    int xo = b * xDim;
    for (int j = 0; j < rDim; j++) {
      float vj = ws.v[ro + j];
      float uj = uArr[ro + j];
      xArr[xo + j] = vj;
      xArr[xo + rDim + j] = uj;
      xArr[xo + 2 * rDim + j] = vj * uj;
    }
  }

  private void updatePositionBias() {
    ws.positions.updateBias(ws.query);
  }

  // ---------------------------------------------------------------- backward

  private void backwardSample(int b, float[] dxArr, boolean aux) {
    int ro = b * rDim;
    int xo = b * xDim;
    float[] uArr = aux ? ws.uAux : ws.u;
    float[] ubarArr = aux ? ws.uBarAux : ws.uBar;
    for (int j = 0; j < rDim; j++) {
      float dh = dxArr[xo + 2 * rDim + j];
      dv[j] = dxArr[xo + j] + dh * uArr[ro + j];
      du[j] = dxArr[xo + rDim + j] + dh * ws.v[ro + j];
    }
    Arrays.fill(dTarget, 0f);
    Arrays.fill(dUbar, 0f);
    if (projected) {
      projTarget.backward(ws.targetValue, ro, dv, 0, denseGrad, dTarget, 0);
      projValue.backward(ubarArr, ro, du, 0, denseGrad, dUbar, 0);
    } else {
      System.arraycopy(dv, 0, dTarget, 0, rDim);
      System.arraycopy(du, 0, dUbar, 0, rDim);
    }
    Arrays.fill(dq, 0f);
    if (aux) {
      auxAttentionBackward(b);
    } else {
      attentionBackward(b, ws.selCount[b], ws.sel, b * kCap);
    }
    if (projected) {
      Arrays.fill(dqp, 0f);
      projKey.backwardTransposed(ws.qProj, b * projDim, dq, 0, denseGrad, dqp, 0);
      projQuery.backward(ws.targetValue, ro, dqp, 0, denseGrad, dTarget, 0);
    } else {
      addToken(keyGrads, keyTables.dim(), b, ws.tKeyItemSlot, ws.tKeyCatSlot, dq);
    }
    addToken(valueGrads, valueTables.dim(), b, ws.tValueItemSlot, ws.tValueCatSlot, dTarget);
  }

  /**
   * Backward through {@code ubar = sum_r w_r R_r}, {@code w = softmax(s)}, {@code s_r = <q, k_r> *
   * scale}: value rows get {@code w_r dubar}; scores get {@code ds_r = w_r (dw_r - sum w dw)}; keys
   * and the query get {@code ds_r} times the other side (DARE Section 4.1: the attention embeddings
   * learn only through these weights).
   */
  private void attentionBackward(int b, int m, Picks p, int wOff) {
    int qo = b * qDim;
    float[] weights = p.weights;
    float[] values = p.values;
    float[] keys = p.keys;
    int vOff = wOff * rDim;
    int kOff = wOff * keyWidth;
    ensureDwScratch(m);
    float[] dws = dwScratch;
    int r0 = 0;
    // dw_r = <dUbar, R_r>: four picks per pass, each its own chain of adds in the same order.
    for (; r0 + 3 < m; r0 += 4) {
      int v0 = vOff + r0 * rDim;
      int v1 = v0 + rDim;
      int v2 = v1 + rDim;
      int v3 = v2 + rDim;
      float d0 = 0f;
      float d1 = 0f;
      float d2 = 0f;
      float d3 = 0f;
      for (int j = 0; j < rDim; j++) {
        float g = dUbar[j];
        d0 += g * values[v0 + j];
        d1 += g * values[v1 + j];
        d2 += g * values[v2 + j];
        d3 += g * values[v3 + j];
      }
      dws[r0] = d0;
      dws[r0 + 1] = d1;
      dws[r0 + 2] = d2;
      dws[r0 + 3] = d3;
    }
    for (; r0 < m; r0++) {
      float dw = 0f;
      int vo = vOff + r0 * rDim;
      for (int j = 0; j < rDim; j++) {
        dw += dUbar[j] * values[vo + j];
      }
      dws[r0] = dw;
    }
    float dot = 0f;
    for (int r = 0; r < m; r++) {
      dot += weights[wOff + r] * dws[r];
    }
    for (int r = 0; r < m; r++) {
      int o = wOff + r;
      int i = p.index[o];
      float w = weights[o];
      long item = p.items[o];
      long cat = p.cats[o];
      valueGrads[0].addAt(p.valueItemSlot[o], item, dUbar, 0, w);
      valueGrads[1].addAt(p.valueCatSlot[o], cat, dUbar, dr, w);
      valueGrads[2].add(i + 1, dUbar, 2 * dr, w);
      float ds = w * (dws[r] - dot) * scale;
      if (ds == 0f) {
        continue;
      }
      keyGrads[0].addAt(p.keyItemSlot[o], item, ws.queries, qo, ds);
      keyGrads[1].addAt(p.keyCatSlot[o], cat, ws.queries, qo + dk, ds);
      keyGrads[2].add(i + 1, ws.queries, qo + 2 * dk, ds);
      int ko = kOff + r * keyWidth;
      for (int j = 0; j < keyWidth; j++) {
        dq[j] += ds * keys[ko + j];
      }
      int po = i * dk;
      for (int j = 0; j < dk; j++) {
        dq[2 * dk + j] += ds * ws.positions.keyRows[po + j];
      }
    }
  }

  /** Makes {@link #dwScratch} hold at least {@code m} floats. */
  private void ensureDwScratch(int m) {
    if (m > dwScratch.length) {
      dwScratch = new float[Math.max(m, dwScratch.length * 2)];
    }
  }

  /** The auxiliary path's attention backward: recomputes the full softmax over the history. */
  private void auxAttentionBackward(int b) {
    int n = ws.history.length();
    System.arraycopy(ws.queries, b * qDim, ws.query, 0, qDim);
    updatePositionBias();
    ws.kernel.scoreEvery(ws.query, ws.history, ws.positions.bias, scale, ws.all);
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, ws.all.score(i));
    }
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(ws.all.score(i) - max);
      ws.full.weights[i] = e;
      sum += e;
    }
    for (int i = 0; i < n; i++) {
      ws.full.weights[i] /= sum;
      ws.full.index[i] = i;
      ws.full.items[i] = ws.histItems[i];
      ws.full.cats[i] = ws.histCats[i];
      ws.full.keyItemSlot[i] = ws.itemSlots[i];
      ws.full.keyCatSlot[i] = ws.catSlots[i];
      valueTables.gatherToken(ws.histItems[i], ws.histCats[i], i + 1, ws.full.values, i * rDim);
      ws.history.copyKey(i, ws.full.keys, i * keyWidth);
    }
    valueTables.item().slots(ws.full.items, n, ws.full.valueItemSlot);
    valueTables.category().slots(ws.full.cats, n, ws.full.valueCatSlot);
    attentionBackward(b, n, ws.full, 0);
  }

  /** Adds the gradient of sample {@code b}'s target token (position 0) to its three ro */
  private void addToken(
      RowGradients.TableGradient[] grads,
      int d,
      int b,
      int[] itemSlot,
      int[] catSlot,
      float[] grad) {
    grads[0].addAt(itemSlot[b], ws.tItem[b], grad, 0, 1f);
    grads[1].addAt(catSlot[b], ws.tCat[b], grad, d, 1f);
    grads[2].add(TARGET_POSITION, grad, 2 * d, 1f);
  }

  private void checkBatch(int bsz) {
    if (bsz == 0 || bsz > maxBatch) {
      throw new IllegalArgumentException("batch size must be in [1, " + maxBatch + "], got " + bsz);
    }
  }

  static float sigmoid(float z) {
    return (float) (1.0 / (1.0 + Math.exp(-z)));
  }

  /** Binary cross-entropy from the logit, stable for large |z|. */
  static double bce(float z, int y) {
    return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  }
}
