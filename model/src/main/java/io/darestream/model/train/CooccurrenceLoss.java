package io.darestream.model.train;

import io.darestream.model.DareConfig;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.search.TopK;
import java.util.Arrays;
import java.util.List;

/**
 * The search's co-occurrence loss ({@link DareConfig#cooccurrenceLossWeight()}; MODEL.md, "The
 * search's co-occurrence loss"): what one user does together, the search should find together. It
 * trains the search's item rows (DARE's attention set; TWIN's shared set) from the histories alone,
 * beside the click loss, and is never part of a prediction.
 *
 * <p>Per history of a micro-batch (adjacent samples that share a history, a click and its
 * negatives, count once):
 *
 * <ul>
 *   <li>the <b>anchor</b> {@code a}: one of its newest L behaviours;
 *   <li>the <b>keys</b>: the others, less those of the anchor's own item (a repeat says nothing
 *       about what goes with what);
 *   <li>the <b>negative</b> {@code n}: a behaviour from the history of another user in the batch
 *       (so drawn in proportion to popularity, as word2vec's negatives), of another item than the
 *       anchor's.
 * </ul>
 *
 * Each of the two queries scores the keys other than its own item's as the search does, {@code s_i
 * = <q, k_i> * scale} over the item rows with the search's {@code 1 / sqrt(3 d)}, and takes the
 * softmax-weighted mean of its top K, {@code s̄(q) = Σ_r w_r s_r} (the statistic of the search's
 * logit term). The loss is BPR's, {@code λ mean_h softplus(s̄(n) − s̄(a))} over the histories it
 * runs on, with {@code ∂s̄/∂s_r = w_r (1 + s_r − s̄)}. The anchor and the negative are a pure
 * function of the parameters' version and the batch (as {@link AuxiliarySubset}'s draw), so a
 * forward-only objective sees the same ones; a batch with one user only has no negative and no
 * loss. In the diagnostics' roles ({@link GradientRoles}) its gradient is the attention role's.
 *
 * <p>The Java engine hands each history over as its forward gathers it ({@link #begin}, {@link
 * #gathered}, {@link #end}), so the rows are read once; the DJL engine's batched graph has no such
 * gather, and {@link #accumulate} reads them from the tables. Both add the same gradient into their
 * row gradients. Not thread-safe: one per trainer.
 */
public final class CooccurrenceLoss {
  // No negative found (item ids are not negative).
  private static final long NONE = Long.MIN_VALUE;

  private final EmbeddingTable items;
  private final float weight;
  private final float scale;
  private final int dk;
  private final int maxL;
  private final TopK top;
  // The keys' item rows column by column, keys[j][i]: the scores run down whole columns, one array
  // each (HotSpot 17 vectorises those, not loops over one flat array at an offset: HistoryKeys).
  private final float[][] keys;
  // accumulate's own gather of a history: item ids, table slots and item rows (dk floats each).
  private final long[] stagedIds;
  private final int[] stagedSlots;
  private final float[] stagedRows;
  private final long[] keyIds;
  private final int[] keySlots;
  private final float[] scores;
  private final float[][] queries;
  private final float[] queryGrad;
  private final int[][] picks;
  // The softmax weights of one query's picks (scratch).
  private final float[] weights;
  // Per query: ∂s̄/∂s_r of its picks.
  private final float[][] pickSlopes;
  private final int[] pickCounts = new int[2];
  // The first sample of each history of the batch.
  private int[] heads = new int[64];
  // Per history the loss runs on: its first sample, the anchor's index, the negative's item.
  private int[] first = new int[64];
  private int[] anchor = new int[64];
  private long[] negative = new long[64];
  // The batch between begin and end: its histories, the next one the forward hands over, the loss
  // so far, the gradient's target (null: forward only) and each history's share of λ.
  private int histories;
  private int next;
  private double lossSum;
  private RowGradients.TableGradient grads;
  private float perHistory;

  /** The loss over {@code params}' search item rows (DARE's attention set, TWIN's shared one). */
  public CooccurrenceLoss(DareParameters params) {
    DareConfig cfg = params.config();
    if (params.projected()) {
      throw new IllegalArgumentException("the co-occurrence loss does not go with TWIN_PROJ");
    }
    NetworkShape shape = params.shape();
    this.items = params.attention().item();
    this.weight = cfg.cooccurrenceLossWeight();
    this.scale = shape.scale();
    this.dk = shape.dk();
    this.maxL = shape.maxL();
    this.top = new TopK(shape.kCap());
    this.keys = new float[dk][maxL];
    this.stagedIds = new long[maxL];
    this.stagedSlots = new int[maxL];
    this.stagedRows = new float[maxL * dk];
    this.keyIds = new long[maxL];
    this.keySlots = new int[maxL];
    this.scores = new float[maxL];
    this.queries = new float[2][dk];
    this.queryGrad = new float[dk];
    this.picks = new int[2][shape.kCap()];
    this.weights = new float[shape.kCap()];
    this.pickSlopes = new float[2][shape.kCap()];
  }

  /**
   * The loss of {@code batch} at parameters' {@code version}: its gradient, times λ, added to
   * {@code rows} (null: forward only).
   *
   * @return the mean loss over the histories it ran on (unweighted; 0 with none)
   */
  public double accumulate(List<TrainingSample> batch, long version, RowGradients rows) {
    begin(batch, version, rows);
    while (next < histories) {
      int b = first[next];
      TrainingSample s = batch.get(b);
      int n = Math.min(s.historyLength(), maxL);
      for (int i = 0; i < n; i++) {
        stagedIds[i] = s.historyItem(i);
      }
      // All probes first, so that their cache misses overlap (as RowGather).
      items.slots(stagedIds, n, stagedSlots);
      for (int i = 0; i < n; i++) {
        RowGather.copyRow(items, stagedIds[i], stagedSlots[i], stagedRows, i * dk);
      }
      gathered(b, stagedIds, stagedRows, dk, stagedSlots, n);
    }
    return end();
  }

  /**
   * Draws the batch's anchors and negatives; then {@link #gathered} takes each history as the
   * forward gathers it (the Java engine: no second gather), and {@link #end} gives the loss.
   */
  void begin(List<TrainingSample> batch, long version, RowGradients rows) {
    histories = draw(batch, version);
    next = 0;
    lossSum = 0;
    grads = rows == null || histories == 0 ? null : rows.of(items);
    perHistory = histories == 0 ? 0f : weight / histories;
  }

  /**
   * Sample {@code b}'s history as the forward gathered it: its first {@code n} item ids, their
   * search keys ({@code width} floats each, the item row first) and their item rows' table slots.
   * Runs the loss on it if {@code b} starts one of the batch's histories that {@link #begin} drew.
   */
  void gathered(int b, long[] ids, float[] rows, int width, int[] slots, int n) {
    if (next == histories || first[next] != b) {
      return;
    }
    int a = anchor[next];
    long anchorItem = ids[a];
    int c = 0;
    for (int i = 0; i < n; i++) {
      if (ids[i] != anchorItem) {
        keyIds[c] = ids[i];
        keySlots[c] = slots[i];
        int o = i * width;
        for (int j = 0; j < dk; j++) {
          keys[j][c] = rows[o + j];
        }
        c++;
      }
    }
    System.arraycopy(rows, a * width, queries[0], 0, dk);
    run(next++, anchorItem, c);
  }

  /** The mean loss over the histories since {@link #begin} (unweighted; 0 with none). */
  double end() {
    return histories == 0 ? 0 : lossSum / histories;
  }

  /** History {@code h}'s loss and gradient, its keys and anchor's row in place. */
  private void run(int h, long anchorItem, int n) {
    long negativeItem = negative[h];
    items.copyWeights(negativeItem, queries[1], 0);
    double margin = searchMean(1, negativeItem, n) - searchMean(0, anchorItem, n);
    lossSum += margin > 0 ? margin + Math.log1p(Math.exp(-margin)) : Math.log1p(Math.exp(margin));
    if (grads != null) {
      float g = (float) (perHistory / (1 + Math.exp(-margin)));
      backward(grads, 0, anchorItem, -g);
      backward(grads, 1, negativeItem, g);
    }
  }

  /**
   * Picks each history's anchor and negative into the per-history arrays: the negative is the first
   * behaviour of another user's history, from a drawn position on, whose item is not the anchor's.
   * A history runs when it has one and holds an item other than both (a key for each).
   *
   * @return how many histories the loss runs on (0 when the batch holds one user's histories only)
   */
  private int draw(List<TrainingSample> batch, long version) {
    int count = 0;
    for (int b = 0; b < batch.size(); b++) {
      TrainingSample s = batch.get(b);
      if ((b == 0 || !s.sameHistory(batch.get(b - 1))) && Math.min(s.historyLength(), maxL) >= 2) {
        grow(count + 1);
        heads[count++] = b;
      }
    }
    int usable = 0;
    for (int h = 0; h < count; h++) {
      TrainingSample s = batch.get(heads[h]);
      int n = Math.min(s.historyLength(), maxL);
      long z =
          AuxiliarySubset.mix(
              version * 0x9E3779B97F4A7C15L
                  ^ s.userId() * 0xC2B2AE3D27D4EB4FL
                  ^ s.historyItem(0) * 0x165667B19E3779F9L
                  ^ s.eventTimeMs()
                  ^ n);
      int a = (int) ((z >>> 33) % n);
      z = AuxiliarySubset.mix(z + 0x9E3779B97F4A7C15L);
      int other = -1;
      if (count > 1) {
        int start = (int) ((z >>> 33) % (count - 1));
        for (int t = 0; t < count - 1 && other < 0; t++) {
          int o = (h + 1 + (start + t) % (count - 1)) % count;
          if (batch.get(heads[o]).userId() != s.userId()) {
            other = heads[o];
          }
        }
      }
      if (other < 0) {
        continue;
      }
      z = AuxiliarySubset.mix(z + 0x9E3779B97F4A7C15L);
      TrainingSample o = batch.get(other);
      int m = Math.min(o.historyLength(), maxL);
      int from = (int) ((z >>> 33) % m);
      long anchorItem = s.historyItem(a);
      long found = NONE;
      for (int t = 0; t < m && found == NONE; t++) {
        long item = o.historyItem((from + t) % m);
        if (item != anchorItem) {
          found = item;
        }
      }
      if (found == NONE || !hasOtherItem(s, n, anchorItem, found)) {
        continue;
      }
      first[usable] = heads[h];
      anchor[usable] = a;
      negative[usable] = found;
      usable++;
    }
    return usable;
  }

  /** Whether the first {@code n} behaviours of {@code s} hold an item other than {@code a, b}. */
  private static boolean hasOtherItem(TrainingSample s, int n, long a, long b) {
    for (int i = 0; i < n; i++) {
      long item = s.historyItem(i);
      if (item != a && item != b) {
        return true;
      }
    }
    return false;
  }

  /**
   * s̄ of query {@code v} (item {@code item}) over the {@code n} keys less its own item's (a row
   * always finds itself, which says nothing); keeps its picks and their slopes.
   */
  private double searchMean(int v, long item, int n) {
    float[] q = queries[v];
    Arrays.fill(scores, 0, n, 0f);
    for (int j = 0; j < dk; j++) {
      float qj = q[j] * scale;
      float[] column = keys[j];
      for (int i = 0; i < n; i++) {
        scores[i] += qj * column[i];
      }
    }
    int valid = n;
    for (int i = 0; i < n; i++) {
      if (keyIds[i] == item) {
        scores[i] = Float.NEGATIVE_INFINITY;
        valid--;
      }
    }
    top.select(scores, n);
    int m = Math.min(top.size(), valid);
    float max = top.score(0);
    float[] w = weights;
    float sum = 0f;
    for (int r = 0; r < m; r++) {
      w[r] = (float) Math.exp(top.score(r) - max);
      sum += w[r];
    }
    float mean = 0f;
    for (int r = 0; r < m; r++) {
      w[r] /= sum;
      mean += w[r] * top.score(r);
    }
    for (int r = 0; r < m; r++) {
      picks[v][r] = top.index(r);
      pickSlopes[v][r] = w[r] * (1f + top.score(r) - mean);
    }
    pickCounts[v] = m;
    return mean;
  }

  /**
   * Adds {@code dLoss/ds̄(v)} = {@code g} through query {@code v}'s picks to its keys and itself.
   */
  private void backward(RowGradients.TableGradient grads, int v, long queryItem, float g) {
    float[] q = queries[v];
    Arrays.fill(queryGrad, 0f);
    for (int r = 0; r < pickCounts[v]; r++) {
      int i = picks[v][r];
      float c = g * pickSlopes[v][r] * scale;
      for (int j = 0; j < dk; j++) {
        queryGrad[j] += c * keys[j][i];
      }
      grads.addAt(keySlots[i], keyIds[i], q, 0, c);
    }
    grads.add(queryItem, queryGrad, 0, 1f);
  }

  private void grow(int n) {
    if (n > first.length) {
      int size = Math.max(n, 2 * first.length);
      heads = Arrays.copyOf(heads, size);
      first = Arrays.copyOf(first, size);
      anchor = Arrays.copyOf(anchor, size);
      negative = Arrays.copyOf(negative, size);
    }
  }
}
