package io.darestream.model.train;

import io.darestream.model.nn.Mlp;
import io.darestream.model.search.HistoryKeys;
import io.darestream.model.search.SearchKernel;
import io.darestream.model.search.TopK;

/**
 * The scratch memory of one thread's forward passes, sized by the micro-batch and the longest
 * history when it is made, so that no pass allocates: the gathered history, the search's
 * candidates, and per sample what the forward records for the backward (the picked behaviours with
 * their table slots and softmax weights, the query, the aggregates and the MLP's input and
 * activations).
 *
 * <p>A {@link DareTrainer} and every {@link DareScorer} own one each; the parameters they read are
 * shared. Fields are filled by {@link DareForward} and read by {@link DareBackward} and the
 * scorer's explanations; the comments say which layout each holds.
 */
final class Workspace {
  /** A value slot not looked up yet (see {@link #valueItemSlots}). */
  static final int NOT_LOOKED_UP = -2;

  final PositionRows positions;

  // ---- one history: the behaviours, newest first, cut to maxL
  final HistoryKeys history;
  final SearchKernel kernel;

  /** The search's result for the current target: the K best scores and their history indexes. */
  final TopK top;

  /** Every behaviour's score, for the auxiliary loss's full softmax. */
  final TopK all;

  final long[] histItems;
  final long[] histCats;

  /** Attention-table slots per history index. */
  final int[] itemSlots;

  final int[] catSlots;

  /** Representation-table slots per history index, NOT_LOOKED_UP until a search picks it. */
  final int[] valueItemSlots;

  final int[] valueCatSlots;
  // The picked behaviours not looked up yet (DareForward.lookUpValueSlots).
  final int[] pickIndex;
  final long[] pickItems;
  final long[] pickCats;
  final int[] pickSlots;

  /** One representation token, for the auxiliary path's gather. */
  final float[] row;

  /** The current target's search query. */
  final float[] query;

  /** Every behaviour of one history with its full-softmax weight: the auxiliary loss's backward. */
  final Picks full;

  // ---- per sample b of the micro-batch
  final long[] tItem;
  final long[] tCat;

  /** Behaviours the search picked for sample b (at most kCap). */
  final int[] selCount;

  /** Table slots of each target's item and category rows in the attention and the value set. */
  final int[] tKeyItemSlot;

  final int[] tKeyCatSlot;
  final int[] tValueItemSlot;
  final int[] tValueCatSlot;

  /** The picked behaviours' scores, kCap per sample. */
  final float[] selScore;

  /** Per sample: the softmax-weighted mean of its picked scores (the search's logit term). */
  final float[] searchMean;

  /**
   * The current sample's additive score terms per behaviour before the scale (position share plus
   * exact matches; only with the exact-match terms).
   */
  final float[] scoreBias;

  /** The picked behaviours of every sample, kCap per sample. */
  final Picks sel;

  /** Search queries, qDim per sample. */
  final float[] queries;

  /** TWIN_PROJ's projected queries {@code W_q^T e_t}, projDim per sample. */
  final float[] qProj;

  /** Target representation tokens {@code E^Repr(target)}, rDim per sample. */
  final float[] targetValue;

  /** {@code ubar = sum_r w_r E^Repr(b_r)} over the picked behaviours, rDim per sample. */
  final float[] uBar;

  /** {@code u} and {@code v} (projected for TWIN_PROJ, else {@code ubar} and the target token). */
  final float[] u;

  final float[] v;

  /** The auxiliary path's {@code ubar} and {@code u} (full softmax over the history). */
  final float[] uBarAux;

  final float[] uAux;

  /** MLP inputs {@code [v, u, v*u]}, xDim per sample, of the top-K and the auxiliary path. */
  final float[] x;

  final float[] xAux;

  /** The MLP's activations over the shared weights. */
  final Mlp mlp;

  Workspace(DareParameters params) {
    NetworkShape s = params.shape();
    int maxL = s.maxL();
    int kCap = s.kCap();
    int maxBatch = s.maxBatch();
    int rDim = s.rDim();
    int keyWidth = s.keyWidth();
    boolean aux = params.config().auxiliaryLoss();
    positions = new PositionRows(s);
    history = new HistoryKeys(keyWidth, maxL);
    kernel = new SearchKernel(maxL);
    top = new TopK(kCap);
    all = new TopK(maxL);
    histItems = new long[maxL];
    histCats = new long[maxL];
    itemSlots = new int[maxL];
    catSlots = new int[maxL];
    valueItemSlots = new int[maxL];
    valueCatSlots = new int[maxL];
    pickIndex = new int[kCap];
    pickItems = new long[kCap];
    pickCats = new long[kCap];
    pickSlots = new int[kCap];
    row = new float[Math.max(s.qDim(), rDim)];
    query = new float[s.qDim()];
    boolean fullSoftmax = aux || params.config().straightThroughSearch();
    full = new Picks(fullSoftmax ? maxL : 0, rDim, keyWidth);

    tItem = new long[maxBatch];
    tCat = new long[maxBatch];
    selCount = new int[maxBatch];
    tKeyItemSlot = new int[maxBatch];
    tKeyCatSlot = new int[maxBatch];
    tValueItemSlot = new int[maxBatch];
    tValueCatSlot = new int[maxBatch];
    selScore = new float[maxBatch * kCap];
    searchMean = new float[maxBatch];
    scoreBias = new float[params.config().exactMatch() ? maxL : 0];
    sel = new Picks(maxBatch * kCap, rDim, keyWidth);
    queries = new float[maxBatch * s.qDim()];
    qProj = new float[params.projected() ? maxBatch * s.projDim() : 0];
    targetValue = new float[maxBatch * rDim];
    uBar = new float[maxBatch * rDim];
    u = new float[maxBatch * rDim];
    v = new float[maxBatch * rDim];
    uBarAux = new float[aux ? maxBatch * rDim : 0];
    uAux = new float[aux ? maxBatch * rDim : 0];
    x = new float[maxBatch * s.xDim()];
    xAux = new float[aux ? maxBatch * s.xDim() : 0];
    mlp = new Mlp(params.mlp(), maxBatch);
  }
}
