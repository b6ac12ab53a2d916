package io.darestream.jobs.shard;

import io.darestream.jobs.serde.SerializerTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * One trainer window's coalesced row gradients for the rows of one table in one owner key group:
 * what crosses the trainer-to-owner edge. Arrays, not an object per row, so a window of thousands
 * of rows is a handful of records. Never mutated after construction.
 *
 * @param keyGroup the owner key group of every row in the batch
 * @param table index of the table in the model's {@code tables()} order
 * @param ids the rows
 * @param contributions micro-batches that contributed to each row's sum
 * @param sums row {@code r}'s summed gradient at {@code sums[r * dim ..]}
 * @param newestEventTimeMs newest event time of the window's samples (the owner's update clock)
 * @param minIngestTimeMs oldest ingest time of the window's samples, -1 if unknown
 * @param maxIngestTimeMs newest ingest time of the window's samples, -1 if unknown
 * @param trainer the trainer subtask whose window this is
 * @param window the trainer's window number in its epoch (1, 2, ...; 0: not from a numbered
 *     window), which the owners acknowledge in their published rows
 */
public record GradientBatch(
    int keyGroup,
    int table,
    long[] ids,
    int[] contributions,
    float[] sums,
    long newestEventTimeMs,
    long minIngestTimeMs,
    long maxIngestTimeMs,
    int trainer,
    long window) {

  public static final TypeInformation<GradientBatch> TYPE_INFO =
      new SerializerTypeInfo<>(GradientBatch.class, GradientBatchSerializer.INSTANCE);

  /** A batch outside any numbered trainer window (trainer 0, window 0): tools and tests. */
  public GradientBatch(
      int keyGroup,
      int table,
      long[] ids,
      int[] contributions,
      float[] sums,
      long newestEventTimeMs,
      long minIngestTimeMs,
      long maxIngestTimeMs) {
    this(
        keyGroup,
        table,
        ids,
        contributions,
        sums,
        newestEventTimeMs,
        minIngestTimeMs,
        maxIngestTimeMs,
        0,
        0L);
  }

  public GradientBatch {
    if (trainer < 0 || window < 0) {
      throw new IllegalArgumentException("trainer " + trainer + ", window " + window);
    }
    if (ids.length != contributions.length) {
      throw new IllegalArgumentException(
          ids.length + " ids but " + contributions.length + " contribution counts");
    }
    if (ids.length == 0 || sums.length % ids.length != 0) {
      throw new IllegalArgumentException(
          sums.length + " gradient floats do not split into " + ids.length + " rows");
    }
  }

  /** Rows in the batch. */
  public int size() {
    return ids.length;
  }

  /** Floats per row gradient. */
  public int dim() {
    return sums.length / ids.length;
  }

  /**
   * The rows {@code r} with {@code keep[r]} ({@code kept} of them): this batch itself if that is
   * every row, null if none, else a new batch of those rows with this batch's key group, table and
   * window times.
   */
  GradientBatch keepOnly(boolean[] keep, int kept) {
    if (kept == size()) {
      return this;
    }
    if (kept == 0) {
      return null;
    }
    int dim = dim();
    long[] keptIds = new long[kept];
    int[] keptContributions = new int[kept];
    float[] keptSums = new float[kept * dim];
    int k = 0;
    for (int r = 0; r < size(); r++) {
      if (keep[r]) {
        keptIds[k] = ids[r];
        keptContributions[k] = contributions[r];
        System.arraycopy(sums, r * dim, keptSums, k * dim, dim);
        k++;
      }
    }
    return new GradientBatch(
        keyGroup,
        table,
        keptIds,
        keptContributions,
        keptSums,
        newestEventTimeMs,
        minIngestTimeMs,
        maxIngestTimeMs,
        trainer,
        window);
  }
}
