package io.darestream.model.collections;

/**
 * A set of {@code long} values without boxing, e.g. the ids of rows changed since a flush. Backed
 * by a {@link LongIntHashMap}; not thread-safe.
 */
public final class LongHashSet {
  private final LongIntHashMap map;

  public LongHashSet() {
    this(16);
  }

  public LongHashSet(int expectedSize) {
    this.map = new LongIntHashMap(expectedSize);
  }

  /** Adds {@code value}; returns true if it was not present. */
  public boolean add(long value) {
    return map.put(value, 0) == LongIntHashMap.MISSING;
  }

  public boolean contains(long value) {
    return map.containsKey(value);
  }

  public boolean remove(long value) {
    return map.remove(value) != LongIntHashMap.MISSING;
  }

  public int size() {
    return map.size();
  }

  public boolean isEmpty() {
    return map.isEmpty();
  }

  public void clear() {
    map.clear();
  }

  /** The values, in no particular order, as a new array. */
  public long[] toArray() {
    long[] out = new long[map.size()];
    int[] n = {0};
    map.forEach((k, v) -> out[n[0]++] = k);
    return out;
  }

  /** Calls {@code consumer} for every value, in no particular order. */
  public void forEach(java.util.function.LongConsumer consumer) {
    map.forEach((k, v) -> consumer.accept(k));
  }
}
