package io.darestream.serving.live;

/**
 * Where the rows of applied deltas go. Implemented over the model's tables; the caller holds the
 * model's write lock, so implementations need not be thread-safe.
 */
public interface RowWriter {
  /** Whether {@code table} exists and takes rows of {@code dim} floats. */
  boolean accepts(String table, int dim);

  /**
   * Stores the full current value of one row.
   *
   * @throws IllegalArgumentException if the table is unknown or the width does not fit it
   */
  void writeRow(String table, long id, float[] values);
}
