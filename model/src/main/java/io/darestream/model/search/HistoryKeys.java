package io.darestream.model.search;

import io.darestream.model.RowCopy;

/**
 * Attention keys of one history, in two layouts that the {@link SearchKernel} scores identically,
 * bit for bit:
 *
 * <ul>
 *   <li><b>rows</b> (row-major, what a gather writes: one copy per embedding row): the key of
 *       behaviour {@code i} at {@code rows()[i * width ..]}. Searched with one short dot product
 *       per behaviour; the right layout when a history is searched once or twice (training: a click
 *       and its sampled negatives).
 *   <li><b>columns</b> (field-dimension-major, built by {@link #transpose()}): value {@code j} of
 *       behaviour {@code i} at {@code columns[j][i]}, one array per column so that the search loops
 *       index every array from 0 (HotSpot 17 does not vectorise loops over one flat array at
 *       loop-invariant offsets). Each column is then streamed once with a vectorised multiply-add
 *       over behaviours; the transposition pays off when one history is searched for many targets
 *       (serving: 100 candidates against one user's history; DARE Section 4.2: search is the cost
 *       that grows with L).
 * </ul>
 *
 * <p>Reusable scratch: {@link #publish(int)} (or {@link #reset(int)} and {@link #set}) per history,
 * no allocation afterwards.
 */
public final class HistoryKeys {
  // Behaviours per transposition block: their rows (BLOCK x width floats) stay in L1.
  private static final int BLOCK = 64;

  private final int width;
  private final int capacity;
  private final float[][] columns;
  private final float[] rows;
  private int length;
  private boolean transposed;

  /**
   * @param width floats per key
   * @param capacity maximum history length
   */
  public HistoryKeys(int width, int capacity) {
    this.width = width;
    this.capacity = capacity;
    this.columns = new float[width][capacity];
    this.rows = new float[width * capacity];
  }

  public int width() {
    return width;
  }

  public int capacity() {
    return capacity;
  }

  /** Behaviours currently held. */
  public int length() {
    return length;
  }

  /**
   * Row-major staging: the key of behaviour {@code i} goes to {@code [i * width, (i + 1) * width)};
   * {@link #publish(int)} then makes the first {@code n} rows the current history.
   */
  public float[] rows() {
    return rows;
  }

  /** Starts a history of the {@code n} keys written to {@link #rows()} (row layout only). */
  public void publish(int n) {
    checkLength(n);
    length = n;
    transposed = false;
  }

  /** Builds the column layout of the current history (idempotent). */
  public void transpose() {
    if (transposed) {
      return;
    }
    int n = length;
    for (int start = 0; start < n; start += BLOCK) {
      int end = Math.min(n, start + BLOCK);
      for (int j = 0; j < width; j++) {
        float[] c = columns[j];
        for (int i = start; i < end; i++) {
          c[i] = rows[i * width + j];
        }
      }
    }
    transposed = true;
  }

  /** Whether the column layout is current (then the kernel streams columns). */
  public boolean transposed() {
    return transposed;
  }

  /**
   * Starts a new history of {@code n} behaviours whose values are then written with {@link #set}
   * (both layouts at once; for tests and benchmarks).
   */
  public void reset(int n) {
    checkLength(n);
    length = n;
    transposed = true;
  }

  /** Sets {@code len} values of behaviour {@code i}, starting at key column {@code col}. */
  public void set(int i, int col, float[] src, int srcOff, int len) {
    for (int j = 0; j < len; j++) {
      columns[col + j][i] = src[srcOff + j];
      rows[i * width + col + j] = src[srcOff + j];
    }
  }

  /** Copies the key of behaviour {@code i} into {@code dst[off .. off + width)}. */
  public void copyKey(int i, float[] dst, int off) {
    RowCopy.copy(rows, i * width, dst, off, width);
  }

  float[][] columns() {
    return columns;
  }

  private void checkLength(int n) {
    if (n > capacity) {
      throw new IllegalArgumentException("history of " + n + " exceeds capacity " + capacity);
    }
  }
}
