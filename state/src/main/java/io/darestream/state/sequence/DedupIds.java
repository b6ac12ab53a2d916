package io.darestream.state.sequence;

import io.darestream.state.codec.ByteReader;
import io.darestream.state.codec.ByteWriter;
import io.darestream.state.codec.CorruptDataException;
import java.util.Arrays;

/**
 * The event ids one user's sequence remembers to drop duplicates: 64-bit id hashes with the event
 * time of the behaviour they belong to, in event-time order. The owner forgets ids by event time
 * ({@link #forgetBefore}): those older than its dedup horizon behind the user's newest behaviour,
 * and those older than a behaviour the cap dropped (a duplicate of such an event is refused as too
 * late anyway). A hard bound ({@link SequenceLimits#maxDedupIds()}) keeps a user whose events all
 * share one time stamp from growing it without end; beyond it the oldest are forgotten first.
 *
 * <p>Byte form (inside the sequence formats): {@code uvarint count}, {@code count x int64 hash},
 * then the times: {@code zigzag first}, {@code (count - 1) x uvarint delta} (ascending).
 *
 * <p>Not thread-safe.
 */
final class DedupIds {
  private long[] hashes;
  private long[] times;
  private int size;

  DedupIds() {
    this(4);
  }

  private DedupIds(int capacity) {
    hashes = new long[Math.max(1, capacity)];
    times = new long[Math.max(1, capacity)];
  }

  int size() {
    return size;
  }

  boolean contains(long hash) {
    long[] h = hashes;
    for (int i = 0; i < size; i++) {
      if (h[i] == hash) {
        return true;
      }
    }
    return false;
  }

  /** Remembers {@code hash} at {@code timeMs}; beyond {@code maxIds} the oldest are forgotten. */
  void add(long hash, long timeMs, int maxIds) {
    if (maxIds <= 0) {
      return;
    }
    if (size == hashes.length) {
      int cap = Math.max(4, Math.min(size * 2, maxIds + 1));
      if (cap <= size) {
        cap = size + 1;
      }
      hashes = Arrays.copyOf(hashes, cap);
      times = Arrays.copyOf(times, cap);
    }
    int pos = size;
    while (pos > 0 && times[pos - 1] > timeMs) {
      pos--;
    }
    System.arraycopy(hashes, pos, hashes, pos + 1, size - pos);
    System.arraycopy(times, pos, times, pos + 1, size - pos);
    hashes[pos] = hash;
    times[pos] = timeMs;
    size++;
    if (size > maxIds) {
      dropFront(size - maxIds);
    }
  }

  /** Forgets every id of a behaviour older than {@code timeMs}. */
  void forgetBefore(long timeMs) {
    int n = 0;
    while (n < size && times[n] < timeMs) {
      n++;
    }
    dropFront(n);
  }

  /** Keeps at most the newest {@code maxIds}. */
  void trimTo(int maxIds) {
    if (size > maxIds) {
      dropFront(size - maxIds);
    }
  }

  long hash(int i) {
    return hashes[i];
  }

  long time(int i) {
    return times[i];
  }

  void write(ByteWriter out) {
    out.writeUVarint(size);
    for (int i = 0; i < size; i++) {
      out.writeLong(hashes[i]);
    }
    for (int i = 0; i < size; i++) {
      if (i == 0) {
        out.writeZigZag(times[0]);
      } else {
        out.writeUVarint(times[i] - times[i - 1]);
      }
    }
  }

  /**
   * Reads what {@link #write} wrote.
   *
   * @throws CorruptDataException if it claims more than {@code maxCount} ids or is inconsistent
   */
  static DedupIds read(ByteReader in, int maxCount) {
    int n = in.readUVarintInt(maxCount, "dedup id count");
    if ((long) n * 9 > in.remaining()) {
      throw new CorruptDataException("dedup ids: " + n + " claimed, too few bytes left");
    }
    DedupIds ids = new DedupIds(n);
    for (int i = 0; i < n; i++) {
      ids.hashes[i] = in.readLong();
    }
    long t = 0;
    for (int i = 0; i < n; i++) {
      long delta = i == 0 ? in.readZigZag() : in.readUVarint();
      if (i > 0 && (delta < 0 || t + delta < t)) {
        throw new CorruptDataException("dedup ids: time delta out of range: " + delta);
      }
      t = i == 0 ? delta : t + delta;
      ids.times[i] = t;
    }
    ids.size = n;
    return ids;
  }

  /**
   * Ids of the version-1 formats, which kept no times: each is given {@code timeMs} (the newest
   * behaviour's time when they were read), so they are remembered for a full horizon from there.
   */
  static DedupIds ofHashes(long[] hashes, long timeMs) {
    DedupIds ids = new DedupIds(hashes.length);
    for (long h : hashes) {
      ids.hashes[ids.size] = h;
      ids.times[ids.size] = timeMs;
      ids.size++;
    }
    return ids;
  }

  private void dropFront(int n) {
    if (n <= 0) {
      return;
    }
    System.arraycopy(hashes, n, hashes, 0, size - n);
    System.arraycopy(times, n, times, 0, size - n);
    size -= n;
  }
}
