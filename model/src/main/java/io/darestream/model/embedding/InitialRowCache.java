package io.darestream.model.embedding;

/**
 * A cache of the initial weights of ids that have no row in one {@link EmbeddingTable}: a training
 * step reads the same never-trained history items again and again, and computing one row costs
 * {@code dim} logarithms and sines. The cached values are a pure function of the id ({@link
 * RowInitializer}), so they never go stale, whether or not the id has a row meanwhile; callers
 * consult the cache only for ids without a row.
 *
 * <p>Four-way set-associative, flat arrays (one cache line of ids, one row of values per probe).
 * Not thread-safe: each network (trainer, pooled scoring view) owns its caches; allocated on first
 * use.
 */
public final class InitialRowCache {
  private static final int WAYS = 4;

  private final EmbeddingTable table;
  private final int dim;
  private final int entries;
  private long[] ids;
  private boolean[] valid;
  private float[] values;

  /**
   * @param entries capacity, a power of two
   */
  public InitialRowCache(EmbeddingTable table, int entries) {
    if (Integer.bitCount(entries) != 1 || entries < WAYS) {
      throw new IllegalArgumentException("entries must be a power of two >= 4, got " + entries);
    }
    this.table = table;
    this.dim = table.dim();
    this.entries = entries;
  }

  /** Copies the initial weights of {@code id} into {@code dst[off .. off + dim)}. */
  public void copy(long id, float[] dst, int off) {
    if (ids == null) {
      ids = new long[entries];
      valid = new boolean[entries];
      values = new float[entries * dim];
    }
    long mixed = RowInitializer.mix(id);
    int set = (int) mixed & (entries - WAYS);
    int hit = -1;
    for (int w = set; w < set + WAYS; w++) {
      if (valid[w] && ids[w] == id) {
        hit = w;
        break;
      }
    }
    if (hit < 0) {
      // Miss: fill an empty way, else evict one chosen by other bits of the hash.
      hit = set + (int) (mixed >>> 40) % WAYS;
      for (int w = set; w < set + WAYS; w++) {
        if (!valid[w]) {
          hit = w;
          break;
        }
      }
      table.initialWeights(id, values, hit * dim);
      ids[hit] = id;
      valid[hit] = true;
    }
    System.arraycopy(values, hit * dim, dst, off, dim);
  }
}
