package io.darestream.jobs.shard;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts the averager's dense models back together from their blocks, one record per block, as a
 * replica reads them from {@code model-deltas}. The averager sends each model (epoch, version) as
 * one record per block, keyed by block: on a topic with several partitions, the blocks of two
 * versions interleave as the consumer reads the partitions (block 1 of v, block 1 of v + 1, block 2
 * of v, …). Each version is therefore assembled on its own; the newest complete one wins, and the
 * versions older than it are dropped. A handful of versions at most are in progress at once (the
 * oldest is dropped beyond that), so a writer that never completes one holds no memory.
 *
 * <p>A block is checked before it counts: its name must be one of the model's blocks, its size that
 * block's, every value finite. A forged record (an unknown name, a short block, a NaN) is refused,
 * so a complete model is always one the trainer can merge: before, a forged block name could
 * complete a model that lacked a real block, and the trainer's task failed on it.
 *
 * <p>Not thread-safe: the replica feed's thread only.
 */
final class DenseAssembly {
  /** Versions assembled at once; more in flight means the oldest can no longer win. */
  static final int MAX_IN_PROGRESS = 4;

  private final Map<String, Integer> sizes;
  private final TreeMap<Key, Map<String, float[]>> inProgress = new TreeMap<>();
  private Key newestComplete;

  /** A model's place in the averager's order: a newer epoch supersedes any version. */
  private record Key(long epoch, long version) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Long.compare(epoch, o.epoch);
      return c != 0 ? c : Long.compare(version, o.version);
    }
  }

  /** A complete dense model as published by the averager. */
  record Complete(long epoch, long version, Map<String, float[]> blocks) {}

  /**
   * @param sizes the model's dense blocks: name to number of values
   */
  DenseAssembly(Map<String, Integer> sizes) {
    if (sizes.isEmpty()) {
      throw new IllegalArgumentException("a dense model has at least one block");
    }
    this.sizes = Map.copyOf(sizes);
  }

  /**
   * Adds one block of model (epoch, version).
   *
   * @return the model if this block completed it (and it is newer than any completed before), else
   *     null
   * @throws IllegalArgumentException if the block is not one of the model's, has another size or a
   *     non-finite value (nothing is kept)
   */
  Complete add(long epoch, long version, String block, float[] values) {
    Integer size = sizes.get(block);
    if (size == null) {
      throw new IllegalArgumentException("dense block " + block + " is not one of the model's");
    }
    if (values.length != size) {
      throw new IllegalArgumentException(
          "dense block " + block + " has " + values.length + " values, the model's " + size);
    }
    for (float v : values) {
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("dense block " + block + " holds " + v);
      }
    }
    Key key = new Key(epoch, version);
    if (newestComplete != null && key.compareTo(newestComplete) <= 0) {
      return null;
    }
    Map<String, float[]> parts = inProgress.computeIfAbsent(key, k -> new HashMap<>());
    parts.put(block, values);
    if (parts.size() < sizes.size()) {
      while (inProgress.size() > MAX_IN_PROGRESS) {
        inProgress.pollFirstEntry();
      }
      return null;
    }
    newestComplete = key;
    for (Iterator<Key> it = inProgress.keySet().iterator(); it.hasNext(); ) {
      if (it.next().compareTo(key) <= 0) {
        it.remove();
      }
    }
    return new Complete(epoch, version, Map.copyOf(parts));
  }

  /** Versions with some blocks but not all. */
  int inProgress() {
    return inProgress.size();
  }
}
