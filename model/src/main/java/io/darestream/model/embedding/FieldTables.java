package io.darestream.model.embedding;

/**
 * The three per-field tables of one embedding set (item id, category id, relative position), whose
 * rows are concatenated into a token (DARE Section 4). For TWIN the attention and the
 * representation set are the same instance.
 */
public record FieldTables(EmbeddingTable item, EmbeddingTable category, EmbeddingTable position) {
  /** Per-field dimension (all three tables share it). */
  public int dim() {
    return item.dim();
  }

  /** Writes the token {@code [item | category | position]} into {@code dst[off .. off + 3 dim)}. */
  public void gatherToken(long itemId, long categoryId, long positionId, float[] dst, int off) {
    int d = item.dim();
    item.copyWeights(itemId, dst, off);
    category.copyWeights(categoryId, dst, off + d);
    position.copyWeights(positionId, dst, off + 2 * d);
  }
}
