package io.darestream.model.train;

import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.RowIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sparse gradient of a batch: for each table, the summed gradient of every row the batch touched.
 * Rows shared between roles (TWIN: key and value are the same row) accumulate into one entry.
 */
public final class RowGradients {
  private final Map<EmbeddingTable, TableGradient> byTable = new IdentityHashMap<>();
  private final List<EmbeddingTable> order = new ArrayList<>();

  /**
   * The gradient accumulator of {@code table}, created on first use; callers keep it rather than
   * look the table up for every row they add.
   */
  public TableGradient of(EmbeddingTable table) {
    return of(table, 0);
  }

  /**
   * As {@link #of(EmbeddingTable)} for a table whose ids are mostly in {@code [0, denseIds)} (the
   * relative positions 0..L): those rows are found by array index instead of a hash probe.
   */
  public TableGradient of(EmbeddingTable table, int denseIds) {
    TableGradient g = byTable.get(table);
    if (g == null) {
      g = new TableGradient(table.dim(), denseIds);
      byTable.put(table, g);
      order.add(table);
    }
    return g;
  }

  /** The accumulated gradient of row {@code id} in {@code table}, or null if untouched. */
  public float[] get(EmbeddingTable table, long id) {
    TableGradient g = byTable.get(table);
    return g == null ? null : g.get(id);
  }

  /** Rows touched in {@code table}. */
  public long[] ids(EmbeddingTable table) {
    TableGradient g = byTable.get(table);
    return g == null ? new long[0] : Arrays.copyOf(g.ids, g.count);
  }

  /** Applies every row gradient with its table's optimizer; returns rows updated. */
  public int apply(long nowMs) {
    int updated = 0;
    for (EmbeddingTable t : order) {
      TableGradient g = byTable.get(t);
      updated += t.applyGradients(g.ids, g.values, g.count, nowMs);
    }
    return updated;
  }

  public void clear() {
    for (TableGradient g : byTable.values()) {
      g.clear();
    }
  }

  /** Summed gradients of the rows of one table that a batch touched. */
  public static final class TableGradient {
    final int dim;
    final RowIndex index = new RowIndex(256);
    // Row of each id in [0, rowOfDenseId.length), MISSING if untouched: no hashing for them.
    final int[] rowOfDenseId;
    long[] ids = new long[256];
    float[] values;
    int count;

    TableGradient(int dim, int denseIds) {
      this.dim = dim;
      this.values = new float[256 * dim];
      this.rowOfDenseId = new int[denseIds];
      Arrays.fill(rowOfDenseId, RowIndex.MISSING);
    }

    /** Adds {@code scale * src[off .. off + dim)} to the gradient of row {@code id}. */
    public void add(long id, float[] src, int off, float scale) {
      int r;
      if (id >= 0 && id < rowOfDenseId.length) {
        r = rowOfDenseId[(int) id];
        if (r == RowIndex.MISSING) {
          rowOfDenseId[(int) id] = count;
        }
      } else {
        r = index.putIfAbsent(id, count);
      }
      if (r == RowIndex.MISSING) {
        r = count++;
        if (r == ids.length) {
          ids = Arrays.copyOf(ids, r * 2);
          values = Arrays.copyOf(values, r * 2 * dim);
        }
        ids[r] = id;
        // A new row: written, not cleared then added (the clearing stores cost a pass of their
        // own). "0f +" keeps the bits of the sum from zero (a -0f product becomes +0f).
        int o = r * dim;
        for (int j = 0; j < dim; j++) {
          values[o + j] = 0f + scale * src[off + j];
        }
        return;
      }
      int o = r * dim;
      for (int j = 0; j < dim; j++) {
        values[o + j] += scale * src[off + j];
      }
    }

    float[] get(long id) {
      int r = id >= 0 && id < rowOfDenseId.length ? rowOfDenseId[(int) id] : index.get(id);
      return r == RowIndex.MISSING ? null : Arrays.copyOfRange(values, r * dim, r * dim + dim);
    }

    void clear() {
      for (int r = 0; r < count; r++) {
        long id = ids[r];
        if (id >= 0 && id < rowOfDenseId.length) {
          rowOfDenseId[(int) id] = RowIndex.MISSING;
        }
      }
      index.clear();
      count = 0;
    }
  }
}
