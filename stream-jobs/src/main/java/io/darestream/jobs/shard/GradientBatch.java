package io.darestream.jobs.shard;

import io.darestream.jobs.serde.SerializerTypeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
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
 * @param closesWindow whether this is the last record of its window for the owner it goes to: a
 *     window reaches an owner as one record per (table, key group), and the owner acknowledges the
 *     window only once all of them are applied (a publish between two of them must not claim the
 *     rows still on their way)
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
    long window,
    boolean closesWindow) {

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
        0L,
        true);
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
        window,
        closesWindow);
  }

  /** This batch with {@code closesWindow} set. */
  GradientBatch closingItsWindow() {
    return new GradientBatch(
        keyGroup,
        table,
        ids,
        contributions,
        sums,
        newestEventTimeMs,
        minIngestTimeMs,
        maxIngestTimeMs,
        trainer,
        window,
        true);
  }

  /**
   * One window's records with the last record that goes to each owner marked as closing the window
   * there ({@code ownerOfKeyGroup}: the owner subtask of a key group).
   */
  static List<GradientBatch> closingEachOwnersShare(
      List<GradientBatch> window, IntUnaryOperator ownerOfKeyGroup) {
    Map<Integer, Integer> lastOfOwner = new HashMap<>();
    for (int i = 0; i < window.size(); i++) {
      lastOfOwner.put(ownerOfKeyGroup.applyAsInt(window.get(i).keyGroup()), i);
    }
    List<GradientBatch> out = new ArrayList<>(window);
    for (int i : lastOfOwner.values()) {
      out.set(i, out.get(i).closingItsWindow());
    }
    return out;
  }
}
