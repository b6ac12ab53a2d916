package io.darestream.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.darestream.model.TrainingSample;
import io.darestream.model.collections.LongIntHashMap;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;
import io.darestream.model.train.RowGradients;
import java.util.Arrays;
import java.util.List;

/**
 * The rows of one embedding set (item, category, position tables) that a batch reads, copied once
 * into one leaf array per table on the engine's device, and the batch's indices into them: each
 * sample's target and its history cut to the newest L behaviours, padded to the batch's longest
 * (padding points at row 0 and is masked by the caller). After the backward, {@link #addGradients}
 * hands each leaf's gradient back to the tables' {@link RowGradients}.
 */
final class BatchRows {
  private final Leaf item;
  private final Leaf category;
  private final Leaf position;
  private final NDArray targetItems;
  private final NDArray targetCats;
  private final NDArray historyItems;
  private final NDArray historyCats;
  private final int batchSize;

  /**
   * Copies the rows of {@code set} that {@code batch} reads onto {@code nd}'s device; {@code
   * longest} is the longest history after the cut to {@code maxL} (0: no history in the batch).
   */
  BatchRows(FieldTables set, List<TrainingSample> batch, int longest, int maxL, NDManager nd) {
    int bsz = batch.size();
    item = new Leaf(set.item(), bsz * (longest + 1));
    category = new Leaf(set.category(), bsz * (longest + 1));
    position = new Leaf(set.position(), longest + 1);
    long[] tItem = new long[bsz];
    long[] tCat = new long[bsz];
    long[] hItem = new long[bsz * longest];
    long[] hCat = new long[bsz * longest];
    for (int b = 0; b < bsz; b++) {
      TrainingSample s = batch.get(b);
      tItem[b] = item.rowOf(s.targetItem());
      tCat[b] = category.rowOf(s.targetCategory());
      int n = Math.min(s.historyLength(), maxL);
      for (int i = 0; i < n; i++) {
        hItem[b * longest + i] = item.rowOf(s.historyItem(i));
        hCat[b * longest + i] = category.rowOf(s.historyCategory(i));
      }
    }
    for (int p = 0; p <= longest; p++) {
      position.rowOf(p);
    }
    item.materialise(nd);
    category.materialise(nd);
    position.materialise(nd);
    targetItems = nd.create(tItem);
    targetCats = nd.create(tCat);
    Shape hs = new Shape(bsz, longest);
    historyItems = nd.create(hItem, hs);
    historyCats = nd.create(hCat, hs);
    batchSize = bsz;
  }

  /** The targets' tokens {@code [item | category | position 0]}: {@code [B, 3d]}. */
  NDArray targetTokens() {
    return NDArrays.concat(
        new NDList(
            item.rows.get(targetItems),
            category.rows.get(targetCats),
            // Every sample shares position 0: one row, broadcast (its backward is a sum, not a
            // scatter of B rows into one).
            position.rows.get("0:1").broadcast(new Shape(batchSize, position.table.dim()))),
        1);
  }

  /**
   * Each history behaviour's {@code <q, [item | category | position]>} for per-sample queries
   * {@code q} ({@code [B, 3d]}): {@code [B, longest]}. Field by field, so that no {@code [B, L,
   * 3d]} token array is built (nor its backward split again).
   */
  NDArray scores(NDArray q) {
    int d = item.table.dim();
    NDArray qItem = q.get(":, 0:" + d).expandDims(2);
    NDArray qCat = q.get(":, " + d + ":" + 2 * d).expandDims(2);
    NDArray qPos = q.get(":, " + 2 * d + ":");
    return item.rows
        .get(historyItems)
        .matMul(qItem)
        .squeeze(2)
        .add(category.rows.get(historyCats).matMul(qCat).squeeze(2))
        .add(qPos.matMul(position.rows.get("1:").transpose()));
  }

  /**
   * {@code sum_i w_i [item | category | position]_i} over each history for weights {@code w}
   * ({@code [B, longest]}): {@code [B, 3d]}.
   */
  NDArray weightedSum(NDArray w) {
    NDArray w3 = w.expandDims(1);
    return NDArrays.concat(
        new NDList(
            w3.matMul(item.rows.get(historyItems)).squeeze(1),
            w3.matMul(category.rows.get(historyCats)).squeeze(1),
            w.matMul(position.rows.get("1:"))),
        1);
  }

  /**
   * Adds every row whose gradient is not all zero to {@code grads} (rows the loss does not reach,
   * such as behaviours outside the top K, get none, as in the Java engine). {@code maxL} sizes the
   * position table's dense accumulator.
   */
  void addGradients(RowGradients grads, int maxL) {
    item.addGradients(grads.of(item.table));
    category.addGradients(grads.of(category.table));
    position.addGradients(grads.of(position.table, maxL + 1));
  }

  /** One table's rows read by the batch: row {@code r} of the leaf is {@code ids[r]}. */
  private static final class Leaf {
    final EmbeddingTable table;
    final LongIntHashMap rows0;
    long[] ids;
    int count;
    NDArray rows;

    Leaf(EmbeddingTable table, int expected) {
      this.table = table;
      this.rows0 = new LongIntHashMap(Math.max(16, expected));
      this.ids = new long[Math.max(16, expected)];
    }

    int rowOf(long id) {
      int r = rows0.get(id);
      if (r == LongIntHashMap.MISSING) {
        r = count++;
        if (r == ids.length) {
          ids = Arrays.copyOf(ids, 2 * r);
        }
        ids[r] = id;
        rows0.put(id, r);
      }
      return r;
    }

    /** Copies the rows' weights (an id without a row reads its initial weights, as the forward). */
    void materialise(NDManager nd) {
      int d = table.dim();
      float[] w = new float[count * d];
      for (int r = 0; r < count; r++) {
        table.copyWeights(ids[r], w, r * d);
      }
      rows = nd.create(w, new Shape(count, d));
      rows.setRequiresGradient(true);
    }

    void addGradients(RowGradients.TableGradient grads) {
      int d = table.dim();
      float[] g = rows.getGradient().toFloatArray();
      for (int r = 0; r < count; r++) {
        int o = r * d;
        boolean any = false;
        for (int j = 0; j < d; j++) {
          any |= g[o + j] != 0f;
        }
        if (any) {
          grads.add(ids[r], g, o, 1f);
        }
      }
    }
  }
}
