package io.darestream.app.stats;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A count kept by the parallel subtasks of a sink of the job, each counter restored from the sink's
 * checkpointed state when its subtask (re)starts. Why not one counter that only grows: after a
 * failover or a resumed run the job re-processes the records since its last checkpoint, and a
 * growing counter would count them twice; a counter reset to the checkpoint's value counts each
 * record once.
 */
public final class SubtaskCounts {
  private final Map<Integer, AtomicLong> counts = new ConcurrentHashMap<>();

  /**
   * The counter of {@code subtask}, started at {@code restored} (the count in the checkpoint the
   * subtask starts from; 0 without one). Replaces the counter of an earlier attempt.
   */
  public AtomicLong restart(int subtask, long restored) {
    AtomicLong c = new AtomicLong(restored);
    counts.put(subtask, c);
    return c;
  }

  /** Whether a subtask has started counting: before that, a sum of 0 means nothing. */
  public boolean started() {
    return !counts.isEmpty();
  }

  /** The count over all subtasks. */
  public long sum() {
    long sum = 0;
    for (AtomicLong c : counts.values()) {
      sum += c.get();
    }
    return sum;
  }
}
