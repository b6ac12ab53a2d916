package io.darestream.model.collections;

import io.darestream.state.collections.Mix64;
import java.util.Arrays;

/**
 * Open-addressing hash map from {@code long} keys to non-negative {@code int} values, without
 * boxing. Used to map row ids (items, categories) to slots in contiguous float storage.
 *
 * <p>Not thread-safe. Removal uses backward-shift deletion, so no tombstones accumulate.
 */
public final class LongIntHashMap {
  /** Returned by {@link #get} when a key is absent. */
  public static final int MISSING = -1;

  private static final float LOAD_FACTOR = 0.6f;

  private long[] keys;
  private int[] values;
  private boolean[] used;
  private int size;
  private int mask;
  private int resizeAt;

  public LongIntHashMap() {
    this(16);
  }

  public LongIntHashMap(int expectedSize) {
    int capacity = Integer.highestOneBit(Math.max(4, (int) (expectedSize / LOAD_FACTOR)) - 1) << 1;
    allocate(capacity);
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The value of {@code key}, or {@link #MISSING}. */
  public int get(long key) {
    int i = slot(key);
    while (used[i]) {
      if (keys[i] == key) {
        return values[i];
      }
      i = (i + 1) & mask;
    }
    return MISSING;
  }

  public boolean containsKey(long key) {
    return get(key) != MISSING;
  }

  /**
   * Associates {@code value} (must be {@code >= 0}) with {@code key}.
   *
   * @return the previous value or {@link #MISSING}
   */
  public int put(long key, int value) {
    if (value < 0) {
      throw new IllegalArgumentException("values must be >= 0, got " + value);
    }
    int i = slot(key);
    while (used[i]) {
      if (keys[i] == key) {
        int previous = values[i];
        values[i] = value;
        return previous;
      }
      i = (i + 1) & mask;
    }
    used[i] = true;
    keys[i] = key;
    values[i] = value;
    if (++size >= resizeAt) {
      rehash(keys.length << 1);
    }
    return MISSING;
  }

  /** Removes {@code key}; returns its value or {@link #MISSING}. */
  public int remove(long key) {
    int i = slot(key);
    while (used[i]) {
      if (keys[i] == key) {
        int previous = values[i];
        shiftBack(i);
        size--;
        return previous;
      }
      i = (i + 1) & mask;
    }
    return MISSING;
  }

  public void clear() {
    Arrays.fill(used, false);
    size = 0;
  }

  /** Calls {@code visitor} for every entry, in no particular order. */
  public void forEach(Visitor visitor) {
    for (int i = 0; i < keys.length; i++) {
      if (used[i]) {
        visitor.visit(keys[i], values[i]);
      }
    }
  }

  /** Receives the entries of a {@link LongIntHashMap}. */
  @FunctionalInterface
  public interface Visitor {
    void visit(long key, int value);
  }

  private void shiftBack(int gap) {
    int i = (gap + 1) & mask;
    while (used[i]) {
      int home = slot(keys[i]);
      // Move the entry at i into the gap if its home slot is not in (gap, i] cyclically.
      boolean movable = gap <= i ? (home <= gap || home > i) : (home <= gap && home > i);
      if (movable) {
        keys[gap] = keys[i];
        values[gap] = values[i];
        gap = i;
      }
      i = (i + 1) & mask;
    }
    used[gap] = false;
  }

  private int slot(long key) {
    return (int) (Mix64.mix(key) & mask);
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    values = new int[capacity];
    used = new boolean[capacity];
    mask = capacity - 1;
    resizeAt = (int) (capacity * LOAD_FACTOR);
  }

  private void rehash(int capacity) {
    long[] oldKeys = keys;
    int[] oldValues = values;
    boolean[] oldUsed = used;
    allocate(capacity);
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldUsed[i]) {
        int j = slot(oldKeys[i]);
        while (used[j]) {
          j = (j + 1) & mask;
        }
        used[j] = true;
        keys[j] = oldKeys[i];
        values[j] = oldValues[i];
      }
    }
  }
}
