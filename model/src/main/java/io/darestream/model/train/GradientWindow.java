package io.darestream.model.train;

import io.darestream.model.collections.LongIntHashMap;
import io.darestream.model.embedding.EmbeddingTable;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongToIntFunction;

/**
 * The sharded trainer's buffer of row gradients between two sends to the owners. {@link #drain}
 * hands the window out grouped by the part (owner key group) each row belongs to, as primitive
 * arrays: no object per row. Two ways to buffer:
 *
 * <ul>
 *   <li>per micro-batch (not coalescing): every micro-batch's gradient of a row is an entry of its
 *       own, in order; a row touched by k micro-batches appears k times, and the owner takes one
 *       optimizer step per entry, exactly the steps the single trainer takes;
 *   <li>coalescing: the gradients of a row are summed over the window and counted, so that a hot
 *       row (positions, popular items) crosses the network once per window; the owner then takes k
 *       steps with the mean gradient, which is not what k steps with the k gradients do (measured:
 *       MODEL.md "Parallel training").
 * </ul>
 *
 * <p>Bounded: the caller flushes once {@link #rows()} (entries) reaches the bound it chose ({@link
 * #full}); one micro-batch adds at most the rows it touched. Not thread-safe.
 */
public final class GradientWindow {
  private final TableSums[] tables;
  private final int maxRows;
  private final boolean coalesce;
  private int rows;
  private int batches;
  private long newestEventTimeMs = Long.MIN_VALUE;
  private long minIngestTimeMs = Long.MAX_VALUE;
  private long maxIngestTimeMs = Long.MIN_VALUE;

  /** Receives the rows of one (table, part) of a drained window; the arrays are the caller's. */
  @FunctionalInterface
  public interface PartSink {
    /**
     * @param table index into the tables the window was created with
     * @param ids rows of the part; a row appears once per micro-batch unless coalescing
     * @param contributions micro-batches that contributed to each entry (1 unless coalescing)
     * @param sums entry {@code r}'s (summed) gradient at {@code sums[r * dim ..]}
     */
    void accept(int table, int part, long[] ids, int[] contributions, float[] sums);
  }

  /**
   * @param tables the model's tables, in a fixed order (their index names them in {@link #drain})
   * @param maxRows entries at which {@link #full} says to flush
   * @param coalesce whether a row's gradients are summed over the window (one entry per row) or
   *     kept per micro-batch (one entry per row and micro-batch)
   */
  public GradientWindow(List<EmbeddingTable> tables, int maxRows, boolean coalesce) {
    if (maxRows < 1) {
      throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
    }
    this.maxRows = maxRows;
    this.coalesce = coalesce;
    this.tables = new TableSums[tables.size()];
    for (int i = 0; i < tables.size(); i++) {
      this.tables[i] = new TableSums(tables.get(i), i);
    }
  }

  /**
   * Adds one micro-batch's row gradients and the event and ingest times of its samples (ingest
   * times {@code <= 0} are unknown and ignored).
   */
  public void add(RowGradients gradients, long newestEventTimeMs, long minIngest, long maxIngest) {
    gradients.forEachTable(
        (table, ids, values, count) -> {
          TableSums sums = tableOf(table);
          for (int r = 0; r < count; r++) {
            if (coalesce
                ? sums.add(ids[r], values, r * sums.dim)
                : sums.append(ids[r], values, r * sums.dim)) {
              rows++;
            }
          }
        });
    batches++;
    this.newestEventTimeMs = Math.max(this.newestEventTimeMs, newestEventTimeMs);
    if (minIngest > 0) {
      minIngestTimeMs = Math.min(minIngestTimeMs, minIngest);
    }
    if (maxIngest > 0) {
      maxIngestTimeMs = Math.max(maxIngestTimeMs, maxIngest);
    }
  }

  private TableSums tableOf(EmbeddingTable table) {
    for (TableSums t : tables) {
      if (t.table == table) {
        return t;
      }
    }
    throw new IllegalArgumentException("table " + table.name() + " is not in this window");
  }

  /** Entries buffered: distinct (table, row) pairs when coalescing, else (table, row, batch). */
  public int rows() {
    return rows;
  }

  /** Micro-batches added since the last drain. */
  public int batches() {
    return batches;
  }

  public boolean isEmpty() {
    return batches == 0;
  }

  /** Whether the window holds its bound of rows and should be drained. */
  public boolean full() {
    return rows >= maxRows;
  }

  /** Newest event time of the window's samples, {@code Long.MIN_VALUE} if empty. */
  public long newestEventTimeMs() {
    return newestEventTimeMs;
  }

  /** Oldest ingest time of the window's samples, -1 if unknown. */
  public long minIngestTimeMs() {
    return minIngestTimeMs == Long.MAX_VALUE ? -1 : minIngestTimeMs;
  }

  /** Newest ingest time of the window's samples, -1 if unknown. */
  public long maxIngestTimeMs() {
    return maxIngestTimeMs == Long.MIN_VALUE ? -1 : maxIngestTimeMs;
  }

  /**
   * Hands every buffered row to {@code sink}, grouped by table and then by {@code partOf(id)} (in
   * {@code [0, parts)}), and empties the window.
   */
  public void drain(LongToIntFunction partOf, int parts, PartSink sink) {
    int[] partOfRow = new int[0];
    int[] sizes = new int[parts];
    for (TableSums t : tables) {
      if (t.count == 0) {
        continue;
      }
      if (partOfRow.length < t.count) {
        partOfRow = new int[t.count];
      }
      Arrays.fill(sizes, 0);
      for (int r = 0; r < t.count; r++) {
        int p = partOf.applyAsInt(t.ids[r]);
        if (p < 0 || p >= parts) {
          throw new IllegalArgumentException(
              "part " + p + " of row " + t.ids[r] + " not in [0, " + parts + ")");
        }
        partOfRow[r] = p;
        sizes[p]++;
      }
      long[][] ids = new long[parts][];
      int[][] contributions = new int[parts][];
      float[][] sums = new float[parts][];
      int[] fill = new int[parts];
      for (int r = 0; r < t.count; r++) {
        int p = partOfRow[r];
        if (ids[p] == null) {
          ids[p] = new long[sizes[p]];
          contributions[p] = new int[sizes[p]];
          sums[p] = new float[sizes[p] * t.dim];
        }
        int i = fill[p]++;
        ids[p][i] = t.ids[r];
        contributions[p][i] = t.contributions[r];
        System.arraycopy(t.sums, r * t.dim, sums[p], i * t.dim, t.dim);
      }
      for (int p = 0; p < parts; p++) {
        if (ids[p] != null) {
          sink.accept(t.index, p, ids[p], contributions[p], sums[p]);
        }
      }
      t.clear();
    }
    rows = 0;
    batches = 0;
    newestEventTimeMs = Long.MIN_VALUE;
    minIngestTimeMs = Long.MAX_VALUE;
    maxIngestTimeMs = Long.MIN_VALUE;
  }

  /** The summed gradients of one table's rows in the window. */
  private static final class TableSums {
    final EmbeddingTable table;
    final int index;
    final int dim;
    final LongIntHashMap rowOf = new LongIntHashMap(256);
    long[] ids = new long[256];
    int[] contributions = new int[256];
    float[] sums;
    int count;

    TableSums(EmbeddingTable table, int index) {
      this.table = table;
      this.index = index;
      this.dim = table.dim();
      this.sums = new float[256 * dim];
    }

    /** Adds a gradient to row {@code id}; true if the row is new to the window. */
    boolean add(long id, float[] src, int off) {
      int r = rowOf.get(id);
      if (r != LongIntHashMap.MISSING) {
        int o = r * dim;
        for (int j = 0; j < dim; j++) {
          sums[o + j] += src[off + j];
        }
        contributions[r]++;
        return false;
      }
      append(id, src, off);
      rowOf.put(id, count - 1);
      return true;
    }

    /** Adds a gradient as an entry of its own; always true. */
    boolean append(long id, float[] src, int off) {
      int r = count++;
      if (r == ids.length) {
        ids = Arrays.copyOf(ids, 2 * r);
        contributions = Arrays.copyOf(contributions, 2 * r);
        sums = Arrays.copyOf(sums, 2 * r * dim);
      }
      ids[r] = id;
      contributions[r] = 1;
      System.arraycopy(src, off, sums, r * dim, dim);
      return true;
    }

    void clear() {
      // Capacity is kept: the window's bound also bounds it. (rowOf is empty when not coalescing.)
      rowOf.clear();
      count = 0;
    }
  }
}
