package io.darestream.model.embedding;

import io.darestream.state.collections.Mix64;
import java.util.Arrays;

/**
 * Open-addressing map from row id ({@code long}) to slot ({@code int >= 0}) with key and value
 * interleaved in one {@code long[]}: a lookup touches one cache line where a map with separate key,
 * value and occupancy arrays touches three. Row lookups are the largest cost of a training step
 * after the MLP (gathering L history keys per sample); most of them miss the cache, so the number
 * of lines per lookup is what counts.
 *
 * <p>Entry {@code e} is {@code table[2e]} = id, {@code table[2e + 1]} = slot + 1 (0 = empty).
 * Linear probing, backward-shift deletion (no tombstones). Not thread-safe for writers; concurrent
 * readers are fine while nobody writes.
 */
public final class RowIndex {
  /** Returned by {@link #get} for an absent id. */
  public static final int MISSING = -1;

  private static final float LOAD_FACTOR = 0.5f;

  private long[] table;

  // Written by getAll so that its touching loads are kept; never read.
  @SuppressWarnings("unused")
  private long touchSink;

  private int mask; // entries - 1
  private int size;
  private int resizeAt;

  public RowIndex(int expectedSize) {
    int entries = Integer.highestOneBit(Math.max(8, (int) (expectedSize / LOAD_FACTOR)) - 1) << 1;
    allocate(entries);
  }

  public int size() {
    return size;
  }

  /** The slot of {@code id}, or {@link #MISSING}. */
  public int get(long id) {
    return probe(id, home(id));
  }

  /** The slot of {@code id}, probing from entry {@code e} (its home), or {@link #MISSING}. */
  private int probe(long id, int e) {
    long[] t = table;
    while (true) {
      long v = t[2 * e + 1];
      if (v == 0) {
        return MISSING;
      }
      if (t[2 * e] == id) {
        return (int) (v - 1);
      }
      e = (e + 1) & mask;
    }
  }

  /**
   * {@code out[i] = get(ids[i])} for {@code i < n}. A first pass hashes every id and loads its home
   * entry (independent loads, all in flight at once); the probes then find their lines in cache
   * instead of waiting for each miss behind the previous probe's branches.
   */
  public void getAll(long[] ids, int n, int[] out) {
    long[] t = table;
    long touched = 0;
    for (int i = 0; i < n; i++) {
      int e = home(ids[i]);
      out[i] = e;
      touched += t[2 * e + 1];
    }
    touchSink = touched;
    for (int i = 0; i < n; i++) {
      out[i] = probe(ids[i], out[i]);
    }
  }

  public boolean containsKey(long id) {
    return get(id) != MISSING;
  }

  /**
   * Maps {@code id} to {@code slot} ({@code >= 0}); returns the previous slot or {@link #MISSING}.
   */
  public int put(long id, int slot) {
    if (slot < 0) {
      throw new IllegalArgumentException("slots must be >= 0, got " + slot);
    }
    int e = home(id);
    while (table[2 * e + 1] != 0) {
      if (table[2 * e] == id) {
        int previous = (int) (table[2 * e + 1] - 1);
        table[2 * e + 1] = slot + 1L;
        return previous;
      }
      e = (e + 1) & mask;
    }
    table[2 * e] = id;
    table[2 * e + 1] = slot + 1L;
    if (++size >= resizeAt) {
      rehash((mask + 1) << 1);
    }
    return MISSING;
  }

  /**
   * The slot of {@code id} if present; otherwise maps it to {@code slot} and returns {@link
   * #MISSING}. One probe sequence where {@link #get} then {@link #put} would walk it twice.
   */
  public int putIfAbsent(long id, int slot) {
    if (slot < 0) {
      throw new IllegalArgumentException("slots must be >= 0, got " + slot);
    }
    long[] t = table;
    int e = home(id);
    while (true) {
      long v = t[2 * e + 1];
      if (v == 0) {
        break;
      }
      if (t[2 * e] == id) {
        return (int) (v - 1);
      }
      e = (e + 1) & mask;
    }
    t[2 * e] = id;
    t[2 * e + 1] = slot + 1L;
    if (++size >= resizeAt) {
      rehash((mask + 1) << 1);
    }
    return MISSING;
  }

  /** Rehashes once, if needed, so that {@code expectedSize} entries fit without resizing. */
  public void ensureCapacity(int expectedSize) {
    int entries = mask + 1;
    while (expectedSize >= (int) (entries * LOAD_FACTOR)) {
      entries <<= 1;
    }
    if (entries != mask + 1) {
      rehash(entries);
    }
  }

  /** Removes {@code id}; returns its slot or {@link #MISSING}. */
  public int remove(long id) {
    int e = home(id);
    while (table[2 * e + 1] != 0) {
      if (table[2 * e] == id) {
        int previous = (int) (table[2 * e + 1] - 1);
        shiftBack(e);
        size--;
        return previous;
      }
      e = (e + 1) & mask;
    }
    return MISSING;
  }

  public void clear() {
    Arrays.fill(table, 0L);
    size = 0;
  }

  /** Calls {@code visitor} for every entry, in no particular order. */
  public void forEach(Visitor visitor) {
    for (int e = 0; e <= mask; e++) {
      long v = table[2 * e + 1];
      if (v != 0) {
        visitor.visit(table[2 * e], (int) (v - 1));
      }
    }
  }

  /** Receives the entries of a {@link RowIndex}. */
  @FunctionalInterface
  public interface Visitor {
    void visit(long id, int slot);
  }

  private void shiftBack(int gap) {
    int e = (gap + 1) & mask;
    while (table[2 * e + 1] != 0) {
      int home = home(table[2 * e]);
      // Move the entry at e into the gap unless its home lies cyclically in (gap, e].
      boolean movable = gap <= e ? (home <= gap || home > e) : (home <= gap && home > e);
      if (movable) {
        table[2 * gap] = table[2 * e];
        table[2 * gap + 1] = table[2 * e + 1];
        gap = e;
      }
      e = (e + 1) & mask;
    }
    table[2 * gap] = 0;
    table[2 * gap + 1] = 0;
  }

  private int home(long id) {
    return (int) (Mix64.mix(id) & mask); // ids are often sequential: spread them
  }

  private void allocate(int entries) {
    table = new long[2 * entries];
    mask = entries - 1;
    resizeAt = (int) (entries * LOAD_FACTOR);
  }

  private void rehash(int entries) {
    long[] old = table;
    allocate(entries);
    for (int e = 0; e < old.length / 2; e++) {
      long v = old[2 * e + 1];
      if (v != 0) {
        int d = home(old[2 * e]);
        while (table[2 * d + 1] != 0) {
          d = (d + 1) & mask;
        }
        table[2 * d] = old[2 * e];
        table[2 * d + 1] = v;
      }
    }
  }
}
