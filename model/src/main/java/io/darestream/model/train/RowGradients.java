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
      g = new TableGradient(table, denseIds);
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
      // Slots read before a row was removed may name another id by now: probe them all again.
      int[] known = t.releases() == g.releasesAtClear ? g.slots : null;
      updated += t.applyGradients(g.ids, known, g.values, g.count, nowMs);
    }
    return updated;
  }

  /** Receives one table's summed row gradients; the arrays are live scratch, valid for the call. */
  @FunctionalInterface
  public interface TableVisitor {
    /**
     * @param ids {@code ids[0 .. count)} the rows touched
     * @param values row {@code r}'s gradient at {@code values[r * table.dim() ..)}
     */
    void visit(EmbeddingTable table, long[] ids, float[] values, int count);
  }

  /** Hands every touched table's rows to {@code visitor}, in the order tables were first used. */
  public void forEachTable(TableVisitor visitor) {
    for (EmbeddingTable t : order) {
      TableGradient g = byTable.get(t);
      if (g.count > 0) {
        visitor.visit(t, g.ids, g.values, g.count);
      }
    }
  }

  public void clear() {
    for (TableGradient g : byTable.values()) {
      g.clear();
    }
  }

  /**
   * Summed gradients of the rows of one table that a batch touched. A row is found by the slot its
   * table stores it at (array index, no hashing), by array index for ids in the dense range, or by
   * a hash probe for an id that has no row yet. Each id always takes the same way: the table's rows
   * do not change while a batch accumulates.
   */
  public static final class TableGradient {
    final EmbeddingTable table;
    final int dim;
    final RowIndex index = new RowIndex(256);
    // Row of each id in [0, rowOfDenseId.length), MISSING if untouched.
    final int[] rowOfDenseId;
    // Row of each table slot, MISSING if untouched; grown to the largest slot seen.
    int[] rowOfSlot = new int[0];
    long[] ids = new long[256];
    // Table slot of each row, or MISSING where it was not looked up (dense ids, ids without a row).
    int[] slots = new int[256];
    float[] values;
    int count;
    long releasesAtClear;

    TableGradient(EmbeddingTable table, int denseIds) {
      this.table = table;
      this.dim = table.dim();
      this.values = new float[256 * dim];
      this.rowOfDenseId = new int[denseIds];
      Arrays.fill(rowOfDenseId, RowIndex.MISSING);
      this.releasesAtClear = table.releases();
    }

    /** Adds {@code scale * src[off .. off + dim)} to the gradient of row {@code id}. */
    public void add(long id, float[] src, int off, float scale) {
      if (isDense(id)) {
        addDense((int) id, src, off, scale);
      } else {
        addAt(table.slot(id), id, src, off, scale);
      }
    }

    /**
     * As {@link #add}, for an id whose table slot the caller looked up during this batch ({@link
     * RowIndex#MISSING} if the id has no row): no probe of the table's index.
     */
    public void addAt(int slot, long id, float[] src, int off, float scale) {
      if (isDense(id)) {
        addDense((int) id, src, off, scale);
        return;
      }
      int r;
      if (slot >= 0) {
        if (slot >= rowOfSlot.length) {
          growRowOfSlot(slot);
        }
        r = rowOfSlot[slot];
        if (r == RowIndex.MISSING) {
          rowOfSlot[slot] = count;
          start(newRow(id, slot), src, off, scale);
          return;
        }
      } else {
        r = index.putIfAbsent(id, count);
        if (r == RowIndex.MISSING) {
          start(newRow(id, RowIndex.MISSING), src, off, scale);
          return;
        }
      }
      accumulate(r, src, off, scale);
    }

    private boolean isDense(long id) {
      return id >= 0 && id < rowOfDenseId.length;
    }

    private void addDense(int id, float[] src, int off, float scale) {
      int r = rowOfDenseId[id];
      if (r == RowIndex.MISSING) {
        rowOfDenseId[id] = count;
        start(newRow(id, RowIndex.MISSING), src, off, scale);
      } else {
        accumulate(r, src, off, scale);
      }
    }

    private int newRow(long id, int slot) {
      int r = count++;
      if (r == ids.length) {
        ids = Arrays.copyOf(ids, r * 2);
        slots = Arrays.copyOf(slots, r * 2);
        values = Arrays.copyOf(values, r * 2 * dim);
      }
      ids[r] = id;
      slots[r] = slot;
      return r;
    }

    /**
     * A new row: written, not cleared then added (the clearing stores cost a pass of their own).
     * "0f +" keeps the bits of the sum from zero (a -0f product becomes +0f).
     */
    private void start(int r, float[] src, int off, float scale) {
      int o = r * dim;
      for (int j = 0; j < dim; j++) {
        values[o + j] = 0f + scale * src[off + j];
      }
    }

    private void accumulate(int r, float[] src, int off, float scale) {
      int o = r * dim;
      for (int j = 0; j < dim; j++) {
        values[o + j] += scale * src[off + j];
      }
    }

    private void growRowOfSlot(int slot) {
      int old = rowOfSlot.length;
      rowOfSlot = Arrays.copyOf(rowOfSlot, Math.max(slot + 1, 2 * old));
      Arrays.fill(rowOfSlot, old, rowOfSlot.length, RowIndex.MISSING);
    }

    float[] get(long id) {
      int r;
      if (isDense(id)) {
        r = rowOfDenseId[(int) id];
      } else {
        int slot = table.slot(id);
        r =
            slot >= 0
                ? (slot < rowOfSlot.length ? rowOfSlot[slot] : RowIndex.MISSING)
                : index.get(id);
      }
      return r == RowIndex.MISSING ? null : Arrays.copyOfRange(values, r * dim, r * dim + dim);
    }

    void clear() {
      for (int r = 0; r < count; r++) {
        long id = ids[r];
        if (slots[r] >= 0) {
          rowOfSlot[slots[r]] = RowIndex.MISSING;
        } else if (isDense(id)) {
          rowOfDenseId[(int) id] = RowIndex.MISSING;
        }
      }
      index.clear();
      count = 0;
      releasesAtClear = table.releases();
    }
  }
}
