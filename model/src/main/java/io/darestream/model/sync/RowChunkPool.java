package io.darestream.model.sync;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Row buffers reused from one {@link ModelChanges} copy to the next. A trainer copies 100k+ changed
 * rows (tens of MB) at every checkpoint and writes them out a second later; fresh arrays each time
 * would be garbage that lives just long enough to be copied by the collector, so the buffers are
 * kept and handed out again instead. Holds about the largest copy taken so far. Thread-safe: the
 * copy is taken on the trainer's thread and released on its checkpoint thread.
 */
public final class RowChunkPool {
  private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();

  /** A buffer of exactly {@code length} floats, reused if one is free. Contents are undefined. */
  synchronized float[] take(int length) {
    ArrayDeque<float[]> q = free.get(length);
    float[] a = q == null ? null : q.pollFirst();
    return a != null ? a : new float[length];
  }

  /** Returns a buffer from {@link #take}. */
  synchronized void give(float[] buffer) {
    free.computeIfAbsent(buffer.length, n -> new ArrayDeque<>()).addFirst(buffer);
  }
}
