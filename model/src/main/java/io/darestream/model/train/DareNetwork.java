package io.darestream.model.train;

import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.RowCopy;
import io.darestream.model.SparseOptimizerKind;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;
import io.darestream.model.embedding.RowIndex;
import io.darestream.model.embedding.RowInitializer;
import io.darestream.model.embedding.SparseOptimizer;
import io.darestream.model.nn.DenseAdam;
import io.darestream.model.nn.DenseGradient;
import io.darestream.model.nn.DenseParameters;
import io.darestream.model.nn.LinearMap;
import io.darestream.model.nn.Mlp;
import io.darestream.model.search.HistoryKeys;
import io.darestream.model.search.SearchKernel;
import io.darestream.model.search.TopK;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

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
  private static final int NOT_LOOKED_UP = -2;

  private final DareConfig cfg;
  private final boolean projected;
  private final FieldTables keyTables;
  private final FieldTables valueTables;
  private final List<EmbeddingTable> tables;
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

  // Batch-level position rows (positions 1..L), refreshed at the start of every forward batch.
  private final float[] keyPos;
  private final float[] valuePos;
  private final float[] posBias;
  private final float[] posBiasQuery;
  private boolean posBiasValid;

  // Per-history scratch.
  private final HistoryKeys history;
  private final SearchKernel kernel;
  private final TopK top;
  private final TopK all;
  private final long[] histItems;
  private final long[] histCats;
  private final int[] itemSlots;
  private final int[] catSlots;
  // Value-table slots per history index, NOT_LOOKED_UP until a search picks the behaviour.
  private final int[] valueItemSlots;
  private final int[] valueCatSlots;
  // Scratch of lookUpValueSlots: the picked behaviours not looked up yet.
  private final int[] pickIndex;
  private final long[] pickItems;
  private final long[] pickCats;
  private final int[] pickSlots;
  private final float[] row;
  private final float[] query;
  // The auxiliary loss's backward: every behaviour of one history.
  private final Picks full;

  // Per-sample state saved by the forward pass for the backward pass.
  private final long[] tItem;
  private final long[] tCat;
  private final int[] selCount;
  // Table slots of each target's item and category rows in the key and the value set.
  private final int[] tKeyItemSlot;
  private final int[] tKeyCatSlot;
  private final int[] tValueItemSlot;
  private final int[] tValueCatSlot;
  private final float[] selScore;
  // The selected behaviours of every sample, K per sample.
  private final Picks sel;
  private final float[] queries;
  private final float[] qProj;
  private final float[] targetValue;
  private final float[] uBar;
  private final float[] u;
  private final float[] v;
  private final float[] uBarAux;
  private final float[] uAux;
  private final float[] x;
  private final float[] xAux;
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
  // Positions held in keyPos/valuePos, and the tables' modification counts when they were copied.
  private int posRows;
  private long posKeyMods = -1;
  private long posValueMods = -1;
  private long version;

  public DareNetwork(DareConfig cfg) {
    this(cfg, null);
  }

  /**
   * With {@code shared == null} a network with its own parameters; otherwise a scoring-only view
   * over {@code shared}'s tables and dense parameters with scratch of its own (see {@link
   * #scorer()}).
   */
  private DareNetwork(DareConfig cfg, DareNetwork shared) {
    this.cfg = cfg;
    this.scoringOnly = shared != null;
    Variant variant = cfg.variant();
    this.projected = variant == Variant.TWIN_PROJ;
    if (shared != null) {
      tables = shared.tables;
      keyTables = shared.keyTables;
      valueTables = shared.valueTables;
    } else {
      SparseOptimizerKind kind = cfg.sparseOptimizer();
      float lr = cfg.sparseLearningRate();
      this.tables = new ArrayList<>();
      if (variant == Variant.DARE) {
        keyTables = fieldTables("att", cfg.attentionDim(), kind, lr);
        valueTables = fieldTables("repr", cfg.representationDim(), kind, lr);
      } else {
        keyTables = fieldTables("shared", cfg.representationDim(), kind, lr);
        valueTables = keyTables;
      }
      addTables(keyTables);
      if (valueTables != keyTables) {
        addTables(valueTables);
      }
    }
    dk = keyTables.dim();
    dr = valueTables.dim();
    keyWidth = 2 * dk;
    qDim = 3 * dk;
    rDim = 3 * dr;
    xDim = 3 * rDim;
    projDim = projected ? cfg.attentionTokenDim() : qDim;
    scale = (float) (1.0 / Math.sqrt(projDim));
    maxL = cfg.maxHistory();
    kCap = Math.min(cfg.topK(), maxL);
    maxBatch = cfg.microBatchSize();

    if (shared != null) {
      dense = shared.dense;
      mlp = new Mlp(shared.mlp, maxBatch);
      projQuery = shared.projQuery;
      projKey = shared.projKey;
      projValue = shared.projValue;
      projTarget = shared.projTarget;
    } else {
      dense = new DenseParameters();
      SplittableRandom rng = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);
      mlp = new Mlp(dense, xDim, cfg.hiddenSizes(), maxBatch, rng);
      if (projected) {
        projQuery = new LinearMap(dense, "proj.query", rDim, projDim, rng);
        projKey = new LinearMap(dense, "proj.key", rDim, projDim, rng);
        projValue = new LinearMap(dense, "proj.value", rDim, rDim, rng);
        projTarget = new LinearMap(dense, "proj.target", rDim, rDim, rng);
      } else {
        projQuery = null;
        projKey = null;
        projValue = null;
        projTarget = null;
      }
    }
    // A scoring view never backpropagates: no gradient buffers.
    denseGrad = shared != null ? null : new DenseGradient(dense);
    keyGrads = shared != null ? null : gradientsOf(keyTables);
    valueGrads = shared != null ? null : gradientsOf(valueTables);
    denseAdam = new DenseAdam(cfg.denseLearningRate());

    keyPos = new float[maxL * dk];
    valuePos = new float[maxL * dr];
    posBias = new float[maxL];
    posBiasQuery = new float[dk];
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
    row = new float[Math.max(qDim, rDim)];
    query = new float[qDim];
    boolean aux = cfg.auxiliaryLoss();
    full = new Picks(aux ? maxL : 0, rDim, keyWidth);

    tItem = new long[maxBatch];
    tCat = new long[maxBatch];
    selCount = new int[maxBatch];
    tKeyItemSlot = new int[maxBatch];
    tKeyCatSlot = new int[maxBatch];
    tValueItemSlot = new int[maxBatch];
    tValueCatSlot = new int[maxBatch];
    selScore = new float[maxBatch * kCap];
    sel = new Picks(maxBatch * kCap, rDim, keyWidth);
    queries = new float[maxBatch * qDim];
    qProj = new float[projected ? maxBatch * projDim : 0];
    targetValue = new float[maxBatch * rDim];
    uBar = new float[maxBatch * rDim];
    u = new float[maxBatch * rDim];
    v = new float[maxBatch * rDim];
    uBarAux = new float[aux ? maxBatch * rDim : 0];
    uAux = new float[aux ? maxBatch * rDim : 0];
    x = new float[maxBatch * xDim];
    xAux = new float[aux ? maxBatch * xDim : 0];
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

  private FieldTables fieldTables(String prefix, int dim, SparseOptimizerKind kind, float lr) {
    return new FieldTables(
        table(prefix + ".item", dim, kind, lr),
        table(prefix + ".category", dim, kind, lr),
        table(prefix + ".position", dim, kind, lr));
  }

  private EmbeddingTable table(String name, int dim, SparseOptimizerKind kind, float lr) {
    return new EmbeddingTable(
        name,
        dim,
        SparseOptimizer.of(kind, lr),
        new RowInitializer(cfg.seed(), name, cfg.initStd()),
        cfg.admissionMinCount(),
        cfg.expiryMs());
  }

  private RowGradients.TableGradient[] gradientsOf(FieldTables t) {
    return new RowGradients.TableGradient[] {
      rowGrads.of(t.item()), rowGrads.of(t.category()), rowGrads.of(t.position(), maxL + 1)
    };
  }

  private void addTables(FieldTables t) {
    tables.add(t.item());
    tables.add(t.category());
    tables.add(t.position());
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
    return new DareNetwork(cfg, this);
  }

  public List<EmbeddingTable> tables() {
    return List.copyOf(tables);
  }

  public DenseParameters dense() {
    return dense;
  }

  public long version() {
    return version;
  }

  public void setVersion(long version) {
    this.version = version;
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
    version++;
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
    float[] logits = mlp.forward(x, bsz);
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
      float[] auxLogits = mlp.forward(xAux, bsz);
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
      float[] logits = mlp.forward(x, chunk.size());
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
      history.transpose();
    }
    float[] out = new float[candidateItems.length];
    for (int start = 0; start < candidateItems.length; start += maxBatch) {
      int count = Math.min(maxBatch, candidateItems.length - start);
      System.arraycopy(candidateItems, start, tItem, 0, count);
      System.arraycopy(candidateCategories, start, tCat, 0, count);
      lookUpTargets(count);
      for (int b = 0; b < count; b++) {
        forwardSample(b, false);
      }
      float[] logits = mlp.forward(x, count);
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
    List<RetrievedBehaviour> r = new ArrayList<>(selCount[b]);
    for (int j = 0; j < selCount[b]; j++) {
      int o = b * kCap + j;
      r.add(
          new RetrievedBehaviour(
              sel.index[o] + 1, sel.items[o], sel.cats[o], selScore[o], sel.weights[o]));
    }
    return new Explanation(tItem[b], tCat[b], p, r);
  }

  // ---------------------------------------------------------------- forward

  /**
   * Copies the position rows 1..n of both sets, unless the copies held are of the same rows and
   * cover n: serving scores request after request against tables that change only when a delta
   * touches them, and the copy is one hash probe per position and table.
   */
  private void refreshPositions(int longest) {
    int n = Math.min(longest, maxL);
    EmbeddingTable keyPosTable = keyTables.position();
    EmbeddingTable valuePosTable = valueTables.position();
    long keyMods = keyPosTable.modifications();
    long valueMods = valuePosTable.modifications();
    if (n <= posRows && keyMods == posKeyMods && valueMods == posValueMods) {
      return;
    }
    posRows = n;
    for (int i = 0; i < n; i++) {
      keyPosTable.copyWeights(i + 1, keyPos, i * dk);
      valuePosTable.copyWeights(i + 1, valuePos, i * dr);
    }
    posKeyMods = keyMods;
    posValueMods = valueMods;
    posBiasValid = false;
  }

  private void gatherHistory(TrainingSample s) {
    int n = Math.min(s.historyLength(), maxL);
    for (int i = 0; i < n; i++) {
      histItems[i] = s.historyItem(i);
      histCats[i] = s.historyCategory(i);
    }
    gatherKeys(n);
  }

  private void gatherHistory(long[] items, long[] cats, int n) {
    System.arraycopy(items, 0, histItems, 0, n);
    System.arraycopy(cats, 0, histCats, 0, n);
    gatherKeys(n);
  }

  /** Gathers the attention keys of {@code histItems/histCats[0, n)} into {@link #history}. */
  private void gatherKeys(int n) {
    EmbeddingTable items = keyTables.item();
    EmbeddingTable cats = keyTables.category();
    // All row-id probes first (they overlap in the memory system), then the copies.
    items.slots(histItems, n, itemSlots);
    cats.slots(histCats, n, catSlots);
    float[] rows = history.rows();
    for (int i = 0; i < n; i++) {
      copyRow(items, histItems[i], itemSlots[i], rows, i * keyWidth);
      copyRow(cats, histCats[i], catSlots[i], rows, i * keyWidth + dk);
    }
    history.publish(n);
    if (valueTables == keyTables) {
      // TWIN: the value rows are the key rows just probed.
      System.arraycopy(itemSlots, 0, valueItemSlots, 0, n);
      System.arraycopy(catSlots, 0, valueCatSlots, 0, n);
    } else {
      Arrays.fill(valueItemSlots, 0, n, NOT_LOOKED_UP);
      Arrays.fill(valueCatSlots, 0, n, NOT_LOOKED_UP);
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
      int i = top.index(r);
      if (valueItemSlots[i] == NOT_LOOKED_UP) {
        pickIndex[missing] = i;
        pickItems[missing] = histItems[i];
        pickCats[missing] = histCats[i];
        missing++;
      }
    }
    if (missing == 0) {
      return;
    }
    valueTables.item().slots(pickItems, missing, pickSlots);
    for (int j = 0; j < missing; j++) {
      valueItemSlots[pickIndex[j]] = pickSlots[j];
    }
    valueTables.category().slots(pickCats, missing, pickSlots);
    for (int j = 0; j < missing; j++) {
      valueCatSlots[pickIndex[j]] = pickSlots[j];
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
   * Target ids of the batch into {@link #tItem}/{@link #tCat}, then {@link #lookUpTargets(int)}.
   */
  private void lookUpTargets(List<TrainingSample> batch) {
    int n = batch.size();
    for (int b = 0; b < n; b++) {
      TrainingSample s = batch.get(b);
      tItem[b] = s.targetItem();
      tCat[b] = s.targetCategory();
    }
    lookUpTargets(n);
  }

  /**
   * Table slots of the targets {@code tItem/tCat[0, n)} in both sets, each table's probes all at
   * once so that their cache misses overlap (one by one in the forward, each waited alone).
   */
  private void lookUpTargets(int n) {
    valueTables.item().slots(tItem, n, tValueItemSlot);
    valueTables.category().slots(tCat, n, tValueCatSlot);
    if (projected) {
      return; // the query is a projection of the value token: no key rows
    }
    if (keyTables == valueTables) {
      System.arraycopy(tValueItemSlot, 0, tKeyItemSlot, 0, n);
      System.arraycopy(tValueCatSlot, 0, tKeyCatSlot, 0, n);
    } else {
      keyTables.item().slots(tItem, n, tKeyItemSlot);
      keyTables.category().slots(tCat, n, tKeyCatSlot);
    }
  }

  /**
   * Forward of target {@code b} ({@link #tItem}, {@link #tCat}, slots from {@link #lookUpTargets})
   * against the gathered history; fills the sample's slot {@code b}.
   */
  private void forwardSample(int b, boolean aux) {
    int n = history.length();
    long item = tItem[b];
    long cat = tCat[b];
    int qo = b * qDim;
    int ro = b * rDim;
    gatherTarget(valueTables, item, cat, targetValue, ro, tValueItemSlot, tValueCatSlot, b);
    if (projected) {
      projQuery.apply(targetValue, ro, qProj, b * projDim);
      projKey.applyTransposed(qProj, b * projDim, queries, qo);
    } else {
      gatherTarget(keyTables, item, cat, queries, qo, tKeyItemSlot, tKeyCatSlot, b);
    }
    System.arraycopy(queries, qo, query, 0, qDim);
    updatePositionBias();

    // Search (Section 4: top-K by attention score; the selection itself has no gradient).
    kernel.search(query, history, posBias, scale, top);
    int m = top.size();
    selCount[b] = m;
    int so = b * kCap;
    float max = m > 0 ? top.score(0) : 0f;
    float sum = 0f;
    for (int r = 0; r < m; r++) {
      float e = (float) Math.exp(top.score(r) - max);
      sel.weights[so + r] = e;
      sum += e;
    }
    Arrays.fill(uBar, ro, ro + rDim, 0f);
    lookUpValueSlots(m);
    EmbeddingTable valueItems = valueTables.item();
    EmbeddingTable valueCats = valueTables.category();
    for (int r = 0; r < m; r++) {
      int i = top.index(r);
      int o = so + r;
      float w = sel.weights[o] / sum;
      sel.weights[o] = w;
      sel.index[o] = i;
      selScore[o] = top.score(r);
      sel.items[o] = histItems[i];
      sel.cats[o] = histCats[i];
      sel.keyItemSlot[o] = itemSlots[i];
      sel.keyCatSlot[o] = catSlots[i];
      sel.valueItemSlot[o] = valueItemSlots[i];
      sel.valueCatSlot[o] = valueCatSlots[i];
      int vo = o * rDim;
      copyRow(valueItems, histItems[i], valueItemSlots[i], sel.values, vo);
      copyRow(valueCats, histCats[i], valueCatSlots[i], sel.values, vo + dr);
      RowCopy.copy(valuePos, i * dr, sel.values, vo + 2 * dr, dr);
      history.copyKey(i, sel.keys, o * keyWidth);
      for (int j = 0; j < rDim; j++) {
        uBar[ro + j] += w * sel.values[vo + j];
      }
    }
    finishInput(b, uBar, u, x);
    if (aux) {
      forwardAux(b, n);
    }
  }

  /** Auxiliary path: full softmax over every behaviour, no top-K. */
  private void forwardAux(int b, int n) {
    int ro = b * rDim;
    kernel.scoreEvery(query, history, posBias, scale, all);
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, all.score(i));
    }
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(all.score(i) - max);
      full.weights[i] = e;
      sum += e;
    }
    Arrays.fill(uBarAux, ro, ro + rDim, 0f);
    for (int i = 0; i < n; i++) {
      float w = full.weights[i] / sum;
      valueTables.gatherToken(histItems[i], histCats[i], i + 1, row, 0);
      for (int j = 0; j < rDim; j++) {
        uBarAux[ro + j] += w * row[j];
      }
    }
    finishInput(b, uBarAux, uAux, xAux);
  }

  /** {@code u = P_v ubar}, {@code v = P_t e_t} (identity without projection), x = [v, u, v*u]. */
  private void finishInput(int b, float[] ubarArr, float[] uArr, float[] xArr) {
    int ro = b * rDim;
    if (projected) {
      projValue.apply(ubarArr, ro, uArr, ro);
      projTarget.apply(targetValue, ro, v, ro);
    } else {
      System.arraycopy(ubarArr, ro, uArr, ro, rDim);
      System.arraycopy(targetValue, ro, v, ro, rDim);
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

  /** bias_i = <q_pos, E^Att(position i + 1)>: the position field's share of the score. */
  private void updatePositionBias() {
    int off = 2 * dk;
    if (posBiasValid) {
      boolean same = true;
      for (int j = 0; j < dk && same; j++) {
        same = posBiasQuery[j] == query[off + j];
      }
      if (same) {
        return;
      }
    }
    // Cover every position refreshed for this batch, so the cache serves all its samples.
    for (int i = 0; i < posRows; i++) {
      float s = 0f;
      int po = i * dk;
      for (int j = 0; j < dk; j++) {
        s += query[off + j] * keyPos[po + j];
      }
      posBias[i] = s;
    }
    System.arraycopy(query, off, posBiasQuery, 0, dk);
    posBiasValid = true;
  }

  // ---------------------------------------------------------------- backward

  private void backwardSample(int b, float[] dxArr, boolean aux) {
    int ro = b * rDim;
    int xo = b * xDim;
    float[] uArr = aux ? uAux : u;
    float[] ubarArr = aux ? uBarAux : uBar;
    for (int j = 0; j < rDim; j++) {
      float dh = dxArr[xo + 2 * rDim + j];
      dv[j] = dxArr[xo + j] + dh * uArr[ro + j];
      du[j] = dxArr[xo + rDim + j] + dh * v[ro + j];
    }
    Arrays.fill(dTarget, 0f);
    Arrays.fill(dUbar, 0f);
    if (projected) {
      projTarget.backward(targetValue, ro, dv, 0, denseGrad, dTarget, 0);
      projValue.backward(ubarArr, ro, du, 0, denseGrad, dUbar, 0);
    } else {
      System.arraycopy(dv, 0, dTarget, 0, rDim);
      System.arraycopy(du, 0, dUbar, 0, rDim);
    }
    Arrays.fill(dq, 0f);
    if (aux) {
      auxAttentionBackward(b);
    } else {
      attentionBackward(b, selCount[b], sel, b * kCap);
    }
    if (projected) {
      Arrays.fill(dqp, 0f);
      projKey.backwardTransposed(qProj, b * projDim, dq, 0, denseGrad, dqp, 0);
      projQuery.backward(targetValue, ro, dqp, 0, denseGrad, dTarget, 0);
    } else {
      addToken(keyGrads, keyTables.dim(), b, tKeyItemSlot, tKeyCatSlot, dq);
    }
    addToken(valueGrads, valueTables.dim(), b, tValueItemSlot, tValueCatSlot, dTarget);
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
      keyGrads[0].addAt(p.keyItemSlot[o], item, queries, qo, ds);
      keyGrads[1].addAt(p.keyCatSlot[o], cat, queries, qo + dk, ds);
      keyGrads[2].add(i + 1, queries, qo + 2 * dk, ds);
      int ko = kOff + r * keyWidth;
      for (int j = 0; j < keyWidth; j++) {
        dq[j] += ds * keys[ko + j];
      }
      int po = i * dk;
      for (int j = 0; j < dk; j++) {
        dq[2 * dk + j] += ds * keyPos[po + j];
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
    int n = history.length();
    System.arraycopy(queries, b * qDim, query, 0, qDim);
    updatePositionBias();
    kernel.scoreEvery(query, history, posBias, scale, all);
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, all.score(i));
    }
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(all.score(i) - max);
      full.weights[i] = e;
      sum += e;
    }
    for (int i = 0; i < n; i++) {
      full.weights[i] /= sum;
      full.index[i] = i;
      full.items[i] = histItems[i];
      full.cats[i] = histCats[i];
      full.keyItemSlot[i] = itemSlots[i];
      full.keyCatSlot[i] = catSlots[i];
      valueTables.gatherToken(histItems[i], histCats[i], i + 1, full.values, i * rDim);
      history.copyKey(i, full.keys, i * keyWidth);
    }
    valueTables.item().slots(full.items, n, full.valueItemSlot);
    valueTables.category().slots(full.cats, n, full.valueCatSlot);
    attentionBackward(b, n, full, 0);
  }

  /** Adds the gradient of sample {@code b}'s target token (position 0) to its three rows. */
  private void addToken(
      RowGradients.TableGradient[] grads,
      int d,
      int b,
      int[] itemSlot,
      int[] catSlot,
      float[] grad) {
    grads[0].addAt(itemSlot[b], tItem[b], grad, 0, 1f);
    grads[1].addAt(catSlot[b], tCat[b], grad, d, 1f);
    grads[2].add(TARGET_POSITION, grad, 2 * d, 1f);
  }

  /**
   * Behaviours an attention backward runs over: per pick its history index, ids, the table slots of
   * its item and category rows in both sets (the row gradients are found by slot), its softmax
   * weight, and its value and key rows.
   */
  private static final class Picks {
    final int[] index;
    final long[] items;
    final long[] cats;
    final int[] keyItemSlot;
    final int[] keyCatSlot;
    final int[] valueItemSlot;
    final int[] valueCatSlot;
    final float[] weights;
    final float[] values;
    final float[] keys;

    Picks(int n, int valueWidth, int keyWidth) {
      index = new int[n];
      items = new long[n];
      cats = new long[n];
      keyItemSlot = new int[n];
      keyCatSlot = new int[n];
      valueItemSlot = new int[n];
      valueCatSlot = new int[n];
      weights = new float[n];
      values = new float[n * valueWidth];
      keys = new float[n * keyWidth];
    }
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
