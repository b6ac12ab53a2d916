package io.darestream.jobs.shard;

import java.io.Serializable;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Which owner key group a row belongs to, and how a {@link GradientBatch} for a key group reaches
 * the owner subtask that holds it. A row's key group is Flink's own for the row id as a {@code
 * Long} key, so the owner's keyed state for the row (keyed by its id) lives in the same group and
 * moves with it when Flink rescales. Batches are routed by a representative {@code Long} key per
 * group (the smallest non-negative id in that group), computed once; the owner's keyed stream and
 * its row state then share one key type.
 */
public final class RowRouting implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int maxParallelism;
  private final long[] representative;

  public RowRouting(int maxParallelism) {
    if (maxParallelism < 1) {
      throw new IllegalArgumentException("maxParallelism must be >= 1, got " + maxParallelism);
    }
    this.maxParallelism = maxParallelism;
    this.representative = new long[maxParallelism];
    java.util.Arrays.fill(representative, -1);
    int found = 0;
    for (long k = 0; found < maxParallelism; k++) {
      int group = keyGroupOf(k);
      if (representative[group] < 0) {
        representative[group] = k;
        found++;
      }
    }
  }

  public int maxParallelism() {
    return maxParallelism;
  }

  /** The owner key group of row {@code id} (the same in every table). */
  public int keyGroupOf(long id) {
    return KeyGroupRangeAssignment.computeKeyGroupForKeyHash(Long.hashCode(id), maxParallelism);
  }

  /** The routing key of key group {@code group}: Flink assigns it to that very group. */
  public long routeKey(int group) {
    return representative[group];
  }

  /** Keys a {@link GradientBatch} by its key group's routing key. */
  public KeySelector<GradientBatch, Long> batchKey() {
    return new BatchKey(representative);
  }

  /** The key selector of the trainer-to-owner edge. */
  private static final class BatchKey implements KeySelector<GradientBatch, Long> {
    private static final long serialVersionUID = 1L;
    private final long[] representative;

    BatchKey(long[] representative) {
      this.representative = representative;
    }

    @Override
    public Long getKey(GradientBatch batch) {
      return representative[batch.keyGroup()];
    }
  }
}
