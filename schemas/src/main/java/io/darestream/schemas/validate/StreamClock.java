package io.darestream.schemas.validate;

import java.util.HashMap;
import java.util.Map;

/**
 * The stream clock and watermark of a reader outside Flink (serving's behaviour feed), with the
 * rules of the job's watermarks: per partition, the largest {@link EventPolicy#clockContribution}
 * of its accepted events; the watermark is the smallest over the partitions that are not idle,
 * minus the out-of-orderness ({@link EventPolicy#watermark}). A partition without a record for the
 * policy's idleness (wall clock) stops holding the watermark back, as Flink's {@code withIdleness}
 * does; one that never had a record never held it.
 *
 * <p>Not thread-safe: one reader thread owns it.
 */
public final class StreamClock {
  private final EventPolicy policy;
  // Per partition: {clock, wall-clock time of its last record}.
  private final Map<Integer, long[]> partitions = new HashMap<>();
  private long current = Long.MIN_VALUE;

  public StreamClock(EventPolicy policy) {
    this.policy = policy;
  }

  /**
   * Records an accepted event of {@code partition}.
   *
   * @param referenceMs the record's {@link EventPolicy#referenceTime}
   * @param wallClockMs now, for idleness
   */
  public void observe(int partition, long eventTimeMs, long referenceMs, long wallClockMs) {
    long[] p = partitions.computeIfAbsent(partition, k -> new long[] {Long.MIN_VALUE, 0});
    p[0] = Math.max(p[0], policy.clockContribution(eventTimeMs, referenceMs));
    p[1] = wallClockMs;
  }

  /**
   * Marks that {@code partition} delivered a record (accepted or not) at {@code wallClockMs}: it is
   * active, as a Flink split is active while it has records.
   */
  public void touch(int partition, long wallClockMs) {
    long[] p = partitions.computeIfAbsent(partition, k -> new long[] {Long.MIN_VALUE, 0});
    p[1] = wallClockMs;
  }

  /**
   * The watermark at {@code wallClockMs}; {@link Long#MIN_VALUE} while there is none. Never goes
   * back, as a Flink watermark never does; while every partition is idle it stays where it was.
   */
  public long watermark(long wallClockMs) {
    long min = Long.MAX_VALUE;
    for (long[] p : partitions.values()) {
      if (wallClockMs - p[1] < policy.idlenessMs()) {
        min = Math.min(min, p[0]);
      }
    }
    if (min != Long.MAX_VALUE) {
      current = Math.max(current, policy.watermark(min));
    }
    return current;
  }
}
