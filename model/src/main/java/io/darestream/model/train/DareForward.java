package io.darestream.model.train;

import io.darestream.model.RowCopy;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;
import io.darestream.model.nn.LinearMap;
import java.util.Arrays;
import java.util.List;

/**
 * The forward pass of DARE and its baselines up to the MLP's input, one sample at a time against a
 * gathered history (DARE Section 4; DESIGN.md section 4, steps 1-3 and 5):
 *
 * <ol>
 *   <li><b>search</b>: score every behaviour with the attention set, {@code s_i = <q, k_i> /
 *       sqrt(d)} with {@code q = E^Att(target)} and {@code k_i = E^Att(b_i)}, and keep the top K
 *       ({@link io.darestream.model.search.SearchKernel}); the selection has no gradient;
 *   <li><b>aggregation</b>: {@code w = softmax(s_topK)}, {@code ubar = sum_r w_r E^Repr(b_r)} over
 *       the K picked behaviours, {@code v = E^Repr(target)};
 *   <li>the MLP's input {@code x = [v, u, v*u]} (TWIN_PROJ: {@code u = P_v ubar}, {@code v = P_t
 *       e_t}, Section 3.2; its search query is folded to {@code W_k W_q^T e_t} so that it scores
 *       the shared keys at TWIN's cost);
 *   <li>optionally the auxiliary path: the same with a full softmax over all L behaviours.
 * </ol>
 *
 * <p>Its {@link RowGather} reads the rows and records each one's table slot in the {@link
 * Workspace}, so that the backward and the optimizer never look a row up again (model README, speed
 * rules). The MLP itself runs on the workspace's {@link io.darestream.model.nn.Mlp} ({@link
 * #logits}). Training and scoring run this very code, so serving and training agree bit for bit.
 */
final class DareForward {
  private final Workspace ws;
  private final RowGather gather;
  private final boolean projected;
  private final FieldTables keyTables;
  private final FieldTables valueTables;
  // TWIN_PROJ only (null otherwise).
  private final LinearMap projQuery;
  private final LinearMap projKey;
  private final LinearMap projValue;
  private final LinearMap projTarget;

  private final int dr;
  private final int keyWidth;
  private final int qDim;
  private final int rDim;
  private final int xDim;
  private final int projDim;
  private final float scale;
  private final int maxL;
  private final int kCap;
  private final boolean attentionPositions;
  private final float searchLogitWeight;
  private final AuxiliarySubset auxSubset;
  // [β, γ] of the exact-match terms (live), or null.
  private final float[] exactMatch;

  DareForward(DareParameters params, Workspace ws) {
    this.ws = ws;
    this.attentionPositions = params.config().attentionPositions();
    this.searchLogitWeight = params.config().searchLogitWeight();
    this.auxSubset = new AuxiliarySubset(params, ws);
    this.gather = new RowGather(params, ws);
    this.exactMatch = params.exactMatch();
    this.projected = params.projected();
    this.keyTables = params.attention();
    this.valueTables = params.representation();
    Projections p = params.projections();
    projQuery = p == null ? null : p.query();
    projKey = p == null ? null : p.key();
    projValue = p == null ? null : p.value();
    projTarget = p == null ? null : p.target();
    NetworkShape s = params.shape();
    dr = s.dr();
    keyWidth = s.keyWidth();
    qDim = s.qDim();
    rDim = s.rDim();
    xDim = s.xDim();
    projDim = s.projDim();
    scale = s.scale();
    maxL = s.maxL();
    kCap = s.kCap();
  }

  // ---------------------------------------------------------------- a batch

  /**
   * Forward of a micro-batch up to the MLP: each sample's input into {@link Workspace#x} (and, with
   * {@code aux}, the auxiliary path's into {@link Workspace#xAux}).
   */
  void embedBatch(List<TrainingSample> batch, boolean aux) {
    embedBatch(batch, aux, null);
  }

  /**
   * As {@link #embedBatch(List, boolean)}, handing each gathered history to {@code cooccurrence}
   * (begun on this batch) when not null.
   */
  void embedBatch(List<TrainingSample> batch, boolean aux, CooccurrenceLoss cooccurrence) {
    refreshPositions(maxHistoryOf(batch));
    gather.targets(batch);
    for (int b = 0; b < batch.size(); b++) {
      TrainingSample s = batch.get(b);
      // A clicked item and its sampled negatives share one history: gather it once.
      if (b == 0 || !s.sameHistory(batch.get(b - 1))) {
        gatherHistory(s);
        if (cooccurrence != null) {
          int n = ws.history.length();
          cooccurrence.gathered(b, ws.histItems, ws.history.rows(), keyWidth, ws.itemSlots, n);
        }
      }
      sample(b, aux);
    }
  }

  /** The MLP's logits of the first {@code n} inputs (live buffer, valid until the next pass). */
  float[] logits(int n) {
    float[] logits = ws.mlp.forward(ws.x, n);
    if (searchLogitWeight != 0f) {
      for (int b = 0; b < n; b++) {
        logits[b] += searchLogitWeight * ws.searchMean[b];
      }
    }
    return logits;
  }

  /** The MLP's logits of the auxiliary path's first {@code n} inputs. */
  float[] auxLogits(int n) {
    return ws.mlp.forward(ws.xAux, n);
  }

  /** Makes the workspace hold the position rows 1..min(longest, L) of both sets. */
  void refreshPositions(int longest) {
    ws.positions.refresh(keyTables, valueTables, Math.min(longest, maxL));
  }

  private static int maxHistoryOf(List<TrainingSample> batch) {
    int n = 0;
    for (TrainingSample s : batch) {
      n = Math.max(n, s.historyLength());
    }
    return n;
  }

  /** Gathers the history of {@code s}, cut to its newest L behaviours (see {@link RowGather}). */
  void gatherHistory(TrainingSample s) {
    gather.history(s);
  }

  /** Gathers the first {@code n} behaviours of {@code items} and {@code cats}. */
  void gatherHistory(long[] items, long[] cats, int n) {
    gather.history(items, cats, n);
  }

  /** Table slots of the targets {@code tItem/tCat[0, n)} in the workspace, in both sets. */
  void lookUpTargets(int n) {
    gather.targets(n);
  }

  // ---------------------------------------------------------------- one sample

  /**
   * Forward of target {@code b} (ids and slots from {@link #lookUpTargets}) against the gathered
   * history: search, aggregation, the MLP's input; fills the workspace's slot {@code b}.
   */
  void sample(int b, boolean aux) {
    int n = ws.history.length();
    targetAndQuery(b);
    int m = search(b);
    aggregate(b, m);
    finishInput(b, ws.uBar, ws.u, ws.x);
    if (aux) {
      forwardAux(b, n);
    }
  }

  /**
   * The target's representation token {@code E^Repr(target)} and its search query: {@code
   * E^Att(target)}, or for TWIN_PROJ {@code W_k W_q^T e_t}.
   */
  private void targetAndQuery(int b) {
    long item = ws.tItem[b];
    long cat = ws.tCat[b];
    int qo = b * qDim;
    int ro = b * rDim;
    RowGather.targetToken(
        valueTables, item, cat, ws.targetValue, ro, ws.tValueItemSlot, ws.tValueCatSlot, b);
    if (projected) {
      projQuery.apply(ws.targetValue, ro, ws.qProj, b * projDim);
      projKey.applyTransposed(ws.qProj, b * projDim, ws.queries, qo);
    } else {
      RowGather.targetToken(
          keyTables, item, cat, ws.queries, qo, ws.tKeyItemSlot, ws.tKeyCatSlot, b);
    }
    System.arraycopy(ws.queries, qo, ws.query, 0, qDim);
  }

  /**
   * Search (DARE Section 4): the top K behaviours by attention score into {@link Workspace#top};
   * the selection itself has no gradient. Returns how many it picked.
   */
  private int search(int b) {
    ws.kernel.search(ws.query, ws.history, scoreBias(b), scale, ws.top);
    int m = ws.top.size();
    ws.selCount[b] = m;
    return m;
  }

  /**
   * Aggregation (DARE Section 4): {@code w = softmax} over the picked scores and {@code ubar =
   * sum_r w_r E^Repr(b_r)}; records each pick (index, ids, slots, weight, representation and key
   * rows) for the backward and the explanations.
   */
  private void aggregate(int b, int m) {
    Picks sel = ws.sel;
    float[] uBar = ws.uBar;
    long[] histItems = ws.histItems;
    long[] histCats = ws.histCats;
    int[] valueItemSlots = ws.valueItemSlots;
    int[] valueCatSlots = ws.valueCatSlots;
    int ro = b * rDim;
    int so = b * kCap;
    float max = m > 0 ? ws.top.score(0) : 0f;
    float sum = 0f;
    for (int r = 0; r < m; r++) {
      float e = (float) Math.exp(ws.top.score(r) - max);
      sel.weights[so + r] = e;
      sum += e;
    }
    Arrays.fill(uBar, ro, ro + rDim, 0f);
    float mean = 0f;
    gather.valueSlots(m);
    EmbeddingTable valueItems = valueTables.item();
    EmbeddingTable valueCats = valueTables.category();
    for (int r = 0; r < m; r++) {
      int i = ws.top.index(r);
      int o = so + r;
      float w = sel.weights[o] / sum;
      sel.weights[o] = w;
      sel.index[o] = i;
      ws.selScore[o] = ws.top.score(r);
      mean += w * ws.selScore[o];
      sel.items[o] = histItems[i];
      sel.cats[o] = histCats[i];
      sel.keyItemSlot[o] = ws.itemSlots[i];
      sel.keyCatSlot[o] = ws.catSlots[i];
      sel.valueItemSlot[o] = valueItemSlots[i];
      sel.valueCatSlot[o] = valueCatSlots[i];
      int vo = o * rDim;
      RowGather.copyRow(valueItems, histItems[i], valueItemSlots[i], sel.values, vo);
      RowGather.copyRow(valueCats, histCats[i], valueCatSlots[i], sel.values, vo + dr);
      RowCopy.copy(ws.positions.valueRows, i * dr, sel.values, vo + 2 * dr, dr);
      ws.history.copyKey(i, sel.keys, o * keyWidth);
      for (int j = 0; j < rDim; j++) {
        uBar[ro + j] += w * sel.values[vo + j];
      }
    }
    ws.searchMean[b] = mean;
  }

  /**
   * The additive terms of every behaviour's score for target {@code b} (the current query), before
   * the scale: the position field's share, plus {@code (β [item_i = target item] + γ [category_i =
   * target category]) / scale} with the exact-match terms; null when there are none.
   */
  float[] scoreBias(int b) {
    float[] position = positionBias();
    if (exactMatch == null) {
      return position;
    }
    float itemTerm = exactMatch[0] / scale;
    float catTerm = exactMatch[1] / scale;
    long item = ws.tItem[b];
    long cat = ws.tCat[b];
    long[] histItems = ws.histItems;
    long[] histCats = ws.histCats;
    float[] bias = ws.scoreBias;
    int n = ws.history.length();
    for (int i = 0; i < n; i++) {
      float t = position == null ? 0f : position[i];
      if (histItems[i] == item) {
        t += itemTerm;
      }
      if (histCats[i] == cat) {
        t += catTerm;
      }
      bias[i] = t;
    }
    return bias;
  }

  /**
   * The position field's share of every behaviour's score for the current query, or null when the
   * attention token has no position field.
   */
  private float[] positionBias() {
    if (!attentionPositions) {
      return null;
    }
    ws.positions.updateBias(ws.query);
    return ws.positions.bias;
  }

  /**
   * Auxiliary path: a softmax over every behaviour, or over the top K plus sampled others ({@link
   * AuxiliarySubset}); no top-K selection.
   */
  private void forwardAux(int b, int n) {
    int ro = b * rDim;
    float[] uBarAux = ws.uBarAux;
    float[] row = ws.row;
    ws.kernel.scoreEvery(ws.query, ws.history, scoreBias(b), scale, ws.all);
    int c = auxSubset.choose(b, n);
    int[] index = ws.full.index;
    float[] weights = ws.full.weights;
    Arrays.fill(uBarAux, ro, ro + rDim, 0f);
    for (int r = 0; r < c; r++) {
      int i = index[r];
      float w = weights[r];
      valueTables.gatherToken(ws.histItems[i], ws.histCats[i], i + 1, row, 0);
      for (int j = 0; j < rDim; j++) {
        uBarAux[ro + j] += w * row[j];
      }
    }
    finishInput(b, uBarAux, ws.uAux, ws.xAux);
  }

  /** The auxiliary behaviours of sample {@code b} (after {@code scoreEvery} of its query). */
  int auxiliarySubset(int b, int n) {
    return auxSubset.choose(b, n);
  }

  /** {@code u = P_v ubar}, {@code v = P_t e_t} (identity without projection), x = [v, u, v*u]. */
  private void finishInput(int b, float[] ubarArr, float[] uArr, float[] xArr) {
    int ro = b * rDim;
    float[] v = ws.v;
    if (projected) {
      projValue.apply(ubarArr, ro, uArr, ro);
      projTarget.apply(ws.targetValue, ro, v, ro);
    } else {
      System.arraycopy(ubarArr, ro, uArr, ro, rDim);
      System.arraycopy(ws.targetValue, ro, v, ro, rDim);
    }
    int xo = b * xDim;
    for (int j = 0; j < rDim; j++) {
      float vj = v[ro + j];
      float uj = uArr[ro + j];
      xArr[xo + j] = vj;
      xArr[xo + rDim + j] = uj;
      xArr[xo + 2 * rDim + j] = vj * uj;
    }
  }
}
