package io.darestream.state.model;

import io.darestream.state.collections.Mix64;

/**
 * Which rows of one table changed, tracked for two consumers that drain at different paces: the
 * durable store (rows changed since the last flush, drained on every checkpoint) and the delta
 * publisher (rows changed since the last published delta, drained every publish interval).
 *
 * <p>One open-addressing table holds both: entry {@code e} is {@code table[2e]} = row id and {@code
 * table[2e + 1]} = which consumers still have to see it (0 = empty entry). Marking a row is one
 * probe touching one cache line; it runs for every row a training step updates, most of them cache
 * misses. Draining one consumer clears its flag and rebuilds the table from the entries the other
 * consumer still needs (drains are rare: every publish interval and every checkpoint).
 *
 * <p>Not thread-safe: the trainer marks and drains from its own thread.
 */
public final class DirtyRowTracker {
  private static final long FLUSH = 1L;
  private static final long PUBLISH = 2L;
  private static final int MIN_ENTRIES = 1024;
  private static final float LOAD_FACTOR = 0.5f;

  private long[] table;
  private int mask;
  private int size;
  private int resizeAt;
  private int pendingFlush;
  private int pendingPublish;
  private int[] homes = new int[0];

  // Written by markAll so that its touching loads are kept; never read.
  @SuppressWarnings("unused")
  private long touchSink;

  public DirtyRowTracker() {
    allocate(MIN_ENTRIES);
  }

  /** Records that row {@code id} changed. */
  public void mark(long id) {
    set(id, FLUSH | PUBLISH);
  }

  /**
   * Records that rows {@code ids[0, n)} changed. Same as {@link #mark} for each, in two passes: the
   * first hashes every id and loads its home entry (independent loads, their cache misses overlap),
   * the second marks.
   */
  public void markAll(long[] ids, int n) {
    if (homes.length < n) {
      homes = new int[Math.max(n, 2 * homes.length)];
    }
    long[] t = table;
    long touched = 0;
    for (int i = 0; i < n; i++) {
      int e = home(ids[i]);
      homes[i] = e;
      touched += t[2 * e + 1];
    }
    touchSink = touched;
    for (int i = 0; i < n; i++) {
      // A resize during this loop rehashes: homes computed for the old table are then stale.
      if (t != table) {
        set(ids[i], FLUSH | PUBLISH);
      } else {
        set(ids[i], FLUSH | PUBLISH, homes[i]);
      }
    }
  }

  /** Rows changed since the last {@link #drainSinceFlush()}; resets that set. */
  public long[] drainSinceFlush() {
    return drain(FLUSH, pendingFlush);
  }

  /** Rows changed since the last {@link #drainSincePublish()}; resets that set. */
  public long[] drainSincePublish() {
    return drain(PUBLISH, pendingPublish);
  }

  public int pendingFlush() {
    return pendingFlush;
  }

  public int pendingPublish() {
    return pendingPublish;
  }

  /**
   * Marks rows for the next publish only (e.g. every row after a restore, so that consumers
   * converge on the restored values; the store already holds them).
   */
  public void markAllForPublish(long[] ids) {
    for (long id : ids) {
      set(id, PUBLISH);
    }
  }

  private void set(long id, long flags) {
    set(id, flags, home(id));
  }

  private void set(long id, long flags, int home) {
    long[] t = table;
    int e = home;
    while (true) {
      long v = t[2 * e + 1];
      if (v == 0) {
        t[2 * e] = id;
        t[2 * e + 1] = flags;
        count(flags);
        if (++size >= resizeAt) {
          rebuild(FLUSH | PUBLISH, (mask + 1) << 1);
        }
        return;
      }
      if (t[2 * e] == id) {
        long added = flags & ~v;
        if (added != 0) {
          t[2 * e + 1] = v | added;
          count(added);
        }
        return;
      }
      e = (e + 1) & mask;
    }
  }

  private void count(long added) {
    if ((added & FLUSH) != 0) {
      pendingFlush++;
    }
    if ((added & PUBLISH) != 0) {
      pendingPublish++;
    }
  }

  private long[] drain(long flag, int pending) {
    long[] ids = new long[pending];
    int n = 0;
    for (int e = 0; e <= mask; e++) {
      if ((table[2 * e + 1] & flag) != 0) {
        ids[n++] = table[2 * e];
      }
    }
    if (flag == FLUSH) {
      pendingFlush = 0;
    } else {
      pendingPublish = 0;
    }
    long keep = (FLUSH | PUBLISH) & ~flag;
    int remaining = keep == FLUSH ? pendingFlush : pendingPublish;
    int entries = MIN_ENTRIES;
    while (remaining >= (int) (entries * LOAD_FACTOR)) {
      entries <<= 1;
    }
    rebuild(keep, entries);
    return ids;
  }

  /** Re-inserts the entries that still carry a flag of {@code keep} into a table of new size. */
  private void rebuild(long keep, int entries) {
    long[] old = table;
    allocate(entries);
    for (int e = 0; e < old.length / 2; e++) {
      long v = old[2 * e + 1] & keep;
      if (v != 0) {
        int d = home(old[2 * e]);
        while (table[2 * d + 1] != 0) {
          d = (d + 1) & mask;
        }
        table[2 * d] = old[2 * e];
        table[2 * d + 1] = v;
        size++;
      }
    }
  }

  private void allocate(int entries) {
    table = new long[2 * entries];
    mask = entries - 1;
    resizeAt = (int) (entries * LOAD_FACTOR);
    size = 0;
  }

  private int home(long id) {
    return (int) (Mix64.mix(id) & mask); // ids are often sequential: spread them
  }
}
