package io.darestream.jobs.sequence;

import io.darestream.state.sequence.BehaviorSequence;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decoded sequences of recently active users, in front of keyed state: a write-back cache, bounded
 * by user count, least recently used evicted first. Plain Java, no Flink.
 *
 * <p>Why: with RocksDB every {@code ValueState.value()} decodes the whole packed sequence and every
 * {@code update()} re-encodes and rewrites it, once per event; profiling the ingest path showed
 * that at about half of the sequence operator's time. Here an active user's sequence is decoded
 * once, appended in memory, and written back once per checkpoint (or on eviction), so an append
 * costs what {@link BehaviorSequence#append} costs. The owner must write back every {@link
 * #dirty()} entry before a checkpoint; a dirty entry lives only here until then.
 *
 * <p>TTL: an entry not written for {@code ttlMs} reads as absent, as the state would.
 */
final class SequenceCache {
  /** One cached user. */
  static final class Entry {
    final long user;
    final BehaviorSequence sequence;
    boolean dirty;
    long writtenAtMs;

    Entry(long user, BehaviorSequence sequence, long writtenAtMs) {
      this.user = user;
      this.sequence = sequence;
      this.writtenAtMs = writtenAtMs;
    }
  }

  private final int capacity;
  private final long ttlMs;
  private final LinkedHashMap<Long, Entry> entries;

  /**
   * @param capacity users kept; at L = 200 a sequence holds ~7 KB of heap
   * @param ttlMs the state's time to live
   */
  SequenceCache(int capacity, long ttlMs) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.ttlMs = ttlMs;
    this.entries = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true);
  }

  /**
   * The cached entry of {@code user}, or null if it is not cached. An expired entry is dropped and
   * reads as null (the state copy is older still, so it has expired too).
   */
  Entry get(long user, long nowMs) {
    Entry e = entries.get(user);
    if (e != null && nowMs - e.writtenAtMs >= ttlMs) {
      entries.remove(user);
      return null;
    }
    return e;
  }

  /**
   * Caches {@code sequence} as read from state (clean).
   *
   * @return the entries evicted to make room; the dirty ones must be written back
   */
  List<Entry> putClean(long user, BehaviorSequence sequence, long nowMs) {
    entries.put(user, new Entry(user, sequence, nowMs));
    return evict();
  }

  /**
   * Records that {@code sequence} (now the user's value) changed and must be written back.
   *
   * @return the entries evicted to make room; the dirty ones must be written back
   */
  List<Entry> putDirty(long user, BehaviorSequence sequence, long nowMs) {
    Entry e = entries.get(user);
    if (e == null || e.sequence != sequence) {
      e = new Entry(user, sequence, nowMs);
      entries.put(user, e);
    }
    e.dirty = true;
    e.writtenAtMs = nowMs;
    return evict();
  }

  /** The entries changed since their last write-back. */
  List<Entry> dirty() {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.dirty) {
        out.add(e);
      }
    }
    return out;
  }

  int size() {
    return entries.size();
  }

  private List<Entry> evict() {
    if (entries.size() <= capacity) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>(1);
    Iterator<Map.Entry<Long, Entry>> it = entries.entrySet().iterator();
    while (entries.size() > capacity && it.hasNext()) {
      out.add(it.next().getValue());
      it.remove();
    }
    return out;
  }
}
