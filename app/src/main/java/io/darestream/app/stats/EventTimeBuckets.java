package io.darestream.app.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Accumulators per event-time bucket, for the report's over-stream-time plots. The bucket width
 * starts at one minute and doubles (merging neighbours) whenever there would be more than {@link
 * #MAX_BUCKETS}, so memory stays bounded for any stream span (nine days of Taobao, twenty years of
 * MovieLens) without knowing the span in advance. Not thread-safe: its owners synchronize.
 *
 * @param <T> the accumulator of one bucket
 */
final class EventTimeBuckets<T> {
  static final int MAX_BUCKETS = 64;

  private final Supplier<T> empty;
  private final BiConsumer<T, T> mergeInto;
  private long widthMs = 60_000;
  private TreeMap<Long, T> buckets = new TreeMap<>();

  /**
   * @param empty a new, empty accumulator
   * @param mergeInto adds the second accumulator's content to the first
   */
  EventTimeBuckets(Supplier<T> empty, BiConsumer<T, T> mergeInto) {
    this.empty = empty;
    this.mergeInto = mergeInto;
  }

  /** The accumulator of the bucket holding {@code eventTimeMs}, widening first if needed. */
  T at(long eventTimeMs) {
    long key = Math.floorDiv(eventTimeMs, widthMs);
    while (!buckets.isEmpty()
        && Math.max(buckets.lastKey(), key) - Math.min(buckets.firstKey(), key) >= MAX_BUCKETS) {
      widen();
      key = Math.floorDiv(eventTimeMs, widthMs);
    }
    return buckets.computeIfAbsent(key, k -> empty.get());
  }

  private void widen() {
    TreeMap<Long, T> wider = new TreeMap<>();
    for (Map.Entry<Long, T> e : buckets.entrySet()) {
      mergeInto.accept(
          wider.computeIfAbsent(Math.floorDiv(e.getKey(), 2), k -> empty.get()), e.getValue());
    }
    buckets = wider;
    widthMs *= 2;
  }

  /** Bucket start (event time, ms) to accumulator, in time order; a live view. */
  Map<Long, T> byStartMs() {
    TreeMap<Long, T> out = new TreeMap<>();
    buckets.forEach((k, v) -> out.put(k * widthMs, v));
    return out;
  }

  long widthMs() {
    return widthMs;
  }
}
