package io.darestream.state.model;

import io.darestream.state.collections.LongHashSet;

/**
 * Which rows of one table changed, tracked for two consumers that drain at different paces: the
 * durable store (rows changed since the last flush, drained on every checkpoint) and the delta
 * publisher (rows changed since the last published delta, drained every publish interval).
 *
 * <p>Not thread-safe: the trainer marks and drains from its own thread.
 */
public final class DirtyRowTracker {
  private LongHashSet sinceFlush = new LongHashSet(1024);
  private LongHashSet sincePublish = new LongHashSet(1024);

  /** Records that row {@code id} changed. */
  public void mark(long id) {
    sinceFlush.add(id);
    sincePublish.add(id);
  }

  /** Rows changed since the last {@link #drainSinceFlush()}; resets that set. */
  public long[] drainSinceFlush() {
    long[] ids = sinceFlush.toArray();
    sinceFlush = new LongHashSet(Math.max(1024, ids.length));
    return ids;
  }

  /** Rows changed since the last {@link #drainSincePublish()}; resets that set. */
  public long[] drainSincePublish() {
    long[] ids = sincePublish.toArray();
    sincePublish = new LongHashSet(Math.max(1024, ids.length));
    return ids;
  }

  public int pendingFlush() {
    return sinceFlush.size();
  }

  public int pendingPublish() {
    return sincePublish.size();
  }

  /**
   * Marks rows for the next publish only (e.g. every row after a restore, so that consumers
   * converge on the restored values; the store already holds them).
   */
  public void markAllForPublish(long[] ids) {
    for (long id : ids) {
      sincePublish.add(id);
    }
  }
}
