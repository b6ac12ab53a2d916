package io.darestream.model.train;

import io.darestream.model.embedding.FieldTables;
import io.darestream.model.nn.DenseGradient;
import io.darestream.model.nn.LinearMap;
import java.util.Arrays;

/**
 * The backward pass of DARE and its baselines, sample by sample, over what {@link DareForward}
 * recorded in the {@link Workspace} (DARE Section 4): gradients reach the dense parameters, every
 * gathered representation row and, through the softmax weights of the K picked behaviours only, the
 * attention rows of the target and of the picked behaviours (Section 4.1: attention embeddings
 * learn from the weights, not from the selection). For TWIN both roles accumulate into the one
 * shared row; TWIN_PROJ backpropagates through its projections (Section 3.2).
 *
 * <p>Owns the gradient of one batch (dense blocks and the rows it touched, found by the table slots
 * the forward recorded) and the per-sample scratch that produces it.
 */
final class DareBackward {
  private static final long TARGET_POSITION = 0L;

  private final Workspace ws;
  private final boolean projected;
  private final FieldTables keyTables;
  private final FieldTables valueTables;
  // TWIN_PROJ only (null otherwise).
  private final LinearMap projQuery;
  private final LinearMap projKey;
  private final LinearMap projValue;
  private final LinearMap projTarget;

  private final DenseGradient denseGrad;
  // dL/d[β, γ] of the exact-match terms (a live block of denseGrad), or null.
  private final float[] exactMatchGrad;
  private final RowGradients rowGrads = new RowGradients();
  // Accumulators of item, category and position rows; the same objects when TWIN shares tables.
  private final RowGradients.TableGradient[] keyGrads;
  private final RowGradients.TableGradient[] valueGrads;

  private final int dk;
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
  private final boolean straightThrough;
  private final float searchLogitWeight;
  // dL/dlogit of the batch's main pass (the search's logit term's gradient scales with it).
  private float[] logitGradients;
  // Recomputes the auxiliary subset and its weights as the forward chose them.
  private DareForward forward;

  // dL/dx of the MLP's input, xDim per sample.
  private final float[] dx;
  // Per sample: dL/dv, dL/du, dL/dubar, dL/d(target token), dL/dq, dL/d(projected query).
  private final float[] dv;
  private final float[] du;
  private final float[] dUbar;
  private final float[] dTarget;
  private final float[] dq;
  private final float[] dqp;
  // dL/dw_r per pick; grows to the longest history the auxiliary path has seen.
  private float[] dwScratch = new float[16];
  // Which roles' row gradients are kept (diagnostics); BOTH when training.
  private GradientRoles roles = GradientRoles.BOTH;

  DareBackward(DareParameters params, Workspace ws) {
    this.ws = ws;
    this.projected = params.projected();
    this.keyTables = params.attention();
    this.valueTables = params.representation();
    Projections p = params.projections();
    projQuery = p == null ? null : p.query();
    projKey = p == null ? null : p.key();
    projValue = p == null ? null : p.value();
    projTarget = p == null ? null : p.target();
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
    attentionPositions = params.config().attentionPositions();
    straightThrough = params.config().straightThroughSearch();
    searchLogitWeight = params.config().searchLogitWeight();
    denseGrad = new DenseGradient(params.dense());
    exactMatchGrad =
        params.exactMatch() == null ? null : denseGrad.block(DareParameters.EXACT_MATCH_BLOCK);
    keyGrads = gradientsOf(keyTables);
    valueGrads = gradientsOf(valueTables);
    dx = new float[s.maxBatch() * xDim];
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

  /** The forward whose auxiliary subsets the auxiliary backward recomputes. */
  void forward(DareForward forward) {
    this.forward = forward;
  }

  /** Keeps only the row gradients of {@code roles} until changed again (diagnostics). */
  void roles(GradientRoles roles) {
    this.roles = roles;
  }

  /** Zeroes the batch's gradient. */
  void clear() {
    denseGrad.clear();
    rowGrads.clear();
  }

  /** The batch's gradient so far (live: valid until the next {@link #clear}). */
  Gradients gradients(double loss, double auxiliaryLoss, double cooccurrenceLoss) {
    return new Gradients(denseGrad, rowGrads, loss, auxiliaryLoss, cooccurrenceLoss);
  }

  /** The batch's row gradients so far (live), for losses computed beside this backward. */
  RowGradients rows() {
    return rowGrads;
  }

  /** Whether the attention role's row gradients are kept ({@link #roles}). */
  boolean attentionRole() {
    return roles.attention;
  }

  /**
   * Backward through the MLP for the workspace's last MLP forward: its parameters' gradients, and
   * {@code dL/dx} for {@link #sample}.
   */
  void mlp(float[] dLogits) {
    logitGradients = dLogits;
    ws.mlp.backward(dLogits, denseGrad, dx);
  }

  /**
   * Backward of sample {@code b} from {@code dL/dx}: through {@code x = [v, u, v*u]}, the
   * projections, the aggregation and the search scores into the rows the forward recorded. With
   * {@code aux}, the auxiliary path's (the history of {@code b} must be gathered again).
   */
  void sample(int b, boolean aux) {
    int ro = b * rDim;
    int xo = b * xDim;
    float[] dxArr = dx;
    float[] v = ws.v;
    float[] uArr = aux ? ws.uAux : ws.u;
    float[] ubarArr = aux ? ws.uBarAux : ws.uBar;
    for (int j = 0; j < rDim; j++) {
      float dh = dxArr[xo + 2 * rDim + j];
      dv[j] = dxArr[xo + j] + dh * uArr[ro + j];
      du[j] = dxArr[xo + rDim + j] + dh * v[ro + j];
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
    } else if (straightThrough && !projected) {
      // Values from the top K the forward aggregated; keys from a softmax over every behaviour.
      GradientRoles saved = roles;
      if (saved.representation) {
        roles = GradientRoles.REPRESENTATION;
        attentionBackward(b, ws.selCount[b], ws.sel, b * kCap);
      }
      if (saved.attention) {
        roles = GradientRoles.ATTENTION;
        auxAttentionBackward(b);
      }
      roles = saved;
    } else {
      attentionBackward(b, ws.selCount[b], ws.sel, b * kCap);
    }
    if (projected) {
      Arrays.fill(dqp, 0f);
      projKey.backwardTransposed(ws.qProj, b * projDim, dq, 0, denseGrad, dqp, 0);
      projQuery.backward(ws.targetValue, ro, dqp, 0, denseGrad, dTarget, 0);
    } else if (roles.attention) {
      addToken(keyGrads, keyTables.dim(), b, ws.tKeyItemSlot, ws.tKeyCatSlot, dq);
    }
    if (roles.representation) {
      addToken(valueGrads, valueTables.dim(), b, ws.tValueItemSlot, ws.tValueCatSlot, dTarget);
    }
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
    float[] queries = ws.queries;
    float[] keyPos = ws.positions.keyRows;
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
    boolean valueRole = roles.representation;
    boolean keyRole = roles.attention;
    // The search's logit term α s̄ (main picks only): ds̄/ds_r = w_r (1 + s_r - s̄).
    float pull =
        searchLogitWeight != 0f && p == ws.sel ? searchLogitWeight * logitGradients[b] : 0f;
    for (int r = 0; r < m; r++) {
      int o = wOff + r;
      int i = p.index[o];
      float w = weights[o];
      long item = p.items[o];
      long cat = p.cats[o];
      if (valueRole) {
        valueGrads[0].addAt(p.valueItemSlot[o], item, dUbar, 0, w);
        valueGrads[1].addAt(p.valueCatSlot[o], cat, dUbar, dr, w);
        valueGrads[2].add(i + 1, dUbar, 2 * dr, w);
      }
      float ds = w * (dws[r] - dot) * scale;
      if (pull != 0f) {
        ds += pull * w * (1f + ws.selScore[o] - ws.searchMean[b]) * scale;
      }
      if (ds == 0f || !keyRole) {
        continue;
      }
      if (exactMatchGrad != null) {
        // s_r holds β [item match] + γ [category match] after the scale; ds is dL/ds_r * scale.
        if (item == ws.tItem[b]) {
          exactMatchGrad[0] += ds / scale;
        }
        if (cat == ws.tCat[b]) {
          exactMatchGrad[1] += ds / scale;
        }
      }
      keyGrads[0].addAt(p.keyItemSlot[o], item, queries, qo, ds);
      keyGrads[1].addAt(p.keyCatSlot[o], cat, queries, qo + dk, ds);
      int ko = kOff + r * keyWidth;
      for (int j = 0; j < keyWidth; j++) {
        dq[j] += ds * keys[ko + j];
      }
      if (attentionPositions) {
        keyGrads[2].add(i + 1, queries, qo + 2 * dk, ds);
        int po = i * dk;
        for (int j = 0; j < dk; j++) {
          dq[2 * dk + j] += ds * keyPos[po + j];
        }
      }
    }
  }

  /** Makes {@link #dwScratch} hold at least {@code m} floats. */
  private void ensureDwScratch(int m) {
    if (m > dwScratch.length) {
      dwScratch = new float[Math.max(m, dwScratch.length * 2)];
    }
  }

  /**
   * The auxiliary path's attention backward: recomputes the scores and the forward's subset and
   * weights ({@link AuxiliarySubset}) over the history.
   */
  private void auxAttentionBackward(int b) {
    int n = ws.history.length();
    Picks full = ws.full;
    long[] histItems = ws.histItems;
    long[] histCats = ws.histCats;
    System.arraycopy(ws.queries, b * qDim, ws.query, 0, qDim);
    ws.kernel.scoreEvery(ws.query, ws.history, forward.scoreBias(b), scale, ws.all);
    int c = forward.auxiliarySubset(b, n);
    for (int r = 0; r < c; r++) {
      int i = full.index[r];
      full.items[r] = histItems[i];
      full.cats[r] = histCats[i];
      full.keyItemSlot[r] = ws.itemSlots[i];
      full.keyCatSlot[r] = ws.catSlots[i];
      valueTables.gatherToken(histItems[i], histCats[i], i + 1, full.values, r * rDim);
      ws.history.copyKey(i, full.keys, r * keyWidth);
    }
    valueTables.item().slots(full.items, c, full.valueItemSlot);
    valueTables.category().slots(full.cats, c, full.valueCatSlot);
    attentionBackward(b, c, full, 0);
  }

  /** Adds the gradient of sample {@code b}'s target token (position 0) to its three rows. */
  private void addToken(
      RowGradients.TableGradient[] grads,
      int d,
      int b,
      int[] itemSlot,
      int[] catSlot,
      float[] grad) {
    grads[0].addAt(itemSlot[b], ws.tItem[b], grad, 0, 1f);
    grads[1].addAt(catSlot[b], ws.tCat[b], grad, d, 1f);
    if (attentionPositions || grads == valueGrads) {
      grads[2].add(TARGET_POSITION, grad, 2 * d, 1f);
    }
  }
}
