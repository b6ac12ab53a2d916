package io.darestream.model.search;

/**
 * Attention keys of one history, gathered once into column-major (field-dimension-major) storage:
 * value {@code j} of behaviour {@code i} is at {@code columns[j][i]}, one array per column so that
 * the search loops index every array from 0 (HotSpot 17 does not vectorise loops over one flat
 * array at loop-invariant offsets). Scoring then streams each column once with a vectorisable
 * multiply-add over behaviours, instead of one short dot product per behaviour (DARE Section 4.2:
 * search is the cost that grows with L).
 *
 * <p>Reusable scratch: {@link #reset(int)} per history, no allocation afterwards.
 */
public final class HistoryKeys {
  private final int width;
  private final int capacity;
  private final float[][] columns;
  private int length;

  /**
   * @param width floats per key
   * @param capacity maximum history length
   */
  public HistoryKeys(int width, int capacity) {
    this.width = width;
    this.capacity = capacity;
    this.columns = new float[width][capacity];
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

  /** Starts a new history of {@code n} behaviours (values are then set with {@link #set}). */
  public void reset(int n) {
    if (n > capacity) {
      throw new IllegalArgumentException("history of " + n + " exceeds capacity " + capacity);
    }
    length = n;
  }

  /** Sets {@code len} values of behaviour {@code i}, starting at key column {@code col}. */
  public void set(int i, int col, float[] src, int srcOff, int len) {
    for (int j = 0; j < len; j++) {
      columns[col + j][i] = src[srcOff + j];
    }
  }

  /** Value {@code j} of behaviour {@code i}. */
  public float get(int i, int j) {
    return columns[j][i];
  }

  /** Copies the key of behaviour {@code i} into {@code dst[off .. off + width)}. */
  public void copyKey(int i, float[] dst, int off) {
    for (int j = 0; j < width; j++) {
      dst[off + j] = columns[j][i];
    }
  }

  float[][] columns() {
    return columns;
  }
}
