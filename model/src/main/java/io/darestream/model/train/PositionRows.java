package io.darestream.model.train;

import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;

/**
 * The position field of the history's tokens (DESIGN.md section 4: relative position, newest = 1):
 * the rows of positions 1..n of both embedding sets, copied out of their tables once per batch, and
 * the position field's share of every behaviour's attention score, {@code bias_i = <q_pos,
 * E^Att(position i + 1)>}, kept for the last query.
 *
 * <p>Both are caches. Serving scores request after request against tables that change only when a
 * delta touches them, and a copy is one hash probe per position and table; samples of one batch
 * mostly share their target's position query, so the bias is recomputed only when it changes.
 */
final class PositionRows {
  private final int dk;
  private final int dr;

  /**
   * Attention rows of positions 1..count, {@code dk} floats each, position i + 1 at {@code i dk}.
   */
  final float[] keyRows;

  /** Representation rows of positions 1..count, {@code dr} floats each. */
  final float[] valueRows;

  /** The position share of the score of behaviour i, for {@link #biasQuery}. */
  final float[] bias;

  private final float[] biasQuery;
  private boolean biasValid;
  // Positions held, and the tables' modification counts when they were copied.
  private int count;
  private long keyMods = -1;
  private long valueMods = -1;

  PositionRows(NetworkShape shape) {
    dk = shape.dk();
    dr = shape.dr();
    keyRows = new float[shape.maxL() * dk];
    valueRows = new float[shape.maxL() * dr];
    bias = new float[shape.maxL()];
    biasQuery = new float[dk];
  }

  /**
   * Copies the position rows 1..n of both sets, unless the copies held are of the same rows and
   * cover n.
   */
  void refresh(FieldTables attention, FieldTables representation, int n) {
    EmbeddingTable keyPosTable = attention.position();
    EmbeddingTable valuePosTable = representation.position();
    long keyModsNow = keyPosTable.modifications();
    long valueModsNow = valuePosTable.modifications();
    if (n <= count && keyModsNow == keyMods && valueModsNow == valueMods) {
      return;
    }
    count = n;
    for (int i = 0; i < n; i++) {
      keyPosTable.copyWeights(i + 1, keyRows, i * dk);
      valuePosTable.copyWeights(i + 1, valueRows, i * dr);
    }
    keyMods = keyModsNow;
    valueMods = valueModsNow;
    biasValid = false;
  }

  /**
   * Makes {@link #bias} hold {@code <q_pos, E^Att(position i + 1)>} for the position part of {@code
   * query} ({@code query[2 dk .. 3 dk)}).
   */
  void updateBias(float[] query) {
    int off = 2 * dk;
    if (biasValid) {
      boolean same = true;
      for (int j = 0; j < dk && same; j++) {
        same = biasQuery[j] == query[off + j];
      }
      if (same) {
        return;
      }
    }
    // Cover every position refreshed for this batch, so the cache serves all its samples.
    for (int i = 0; i < count; i++) {
      float s = 0f;
      int po = i * dk;
      for (int j = 0; j < dk; j++) {
        s += query[off + j] * keyRows[po + j];
      }
      bias[i] = s;
    }
    System.arraycopy(query, off, biasQuery, 0, dk);
    biasValid = true;
  }
}
