package io.darestream.state.sequence;

import io.darestream.state.codec.ByteReader;
import io.darestream.state.codec.ByteWriter;
import io.darestream.state.codec.CorruptDataException;
import java.util.Arrays;

/**
 * Time-ordered parallel arrays of behaviours with cheap removal at the front (a start offset, so
 * dropping the oldest is O(1) amortised) and the block codec. Shared by the in-state sequence and
 * the serving store. Package-private: callers see {@link BehaviorSequence} and {@link
 * SequenceView}.
 *
 * <p>Block layout: {@code uvarint count, zigzag firstTime, uvarint timeUnit}, then per behaviour
 * {@code uvarint((dt / timeUnit) << 3 | type), zigzag(category - previousCategory), zigzag(item -
 * previousItem)}. The time unit is the GCD of the deltas in the block: data in whole seconds
 * (MovieLens, Taobao) then costs one byte per short gap instead of two or three. A block is
 * self-contained so it can be rewritten alone.
 */
final class BehaviorBuffer {
  /** Event times must lie in {@code [0, MAX_TIME_MS)} so that {@code dt << 3} cannot overflow. */
  static final long MAX_TIME_MS = 1L << 60;

  private long[] items;
  private long[] categories;
  private long[] times;
  private byte[] types;
  private int start;
  private int size;

  BehaviorBuffer(int capacity) {
    int c = Math.max(4, capacity);
    items = new long[c];
    categories = new long[c];
    times = new long[c];
    types = new byte[c];
  }

  int size() {
    return size;
  }

  long item(int i) {
    return items[start + i];
  }

  long category(int i) {
    return categories[start + i];
  }

  long time(int i) {
    return times[start + i];
  }

  byte type(int i) {
    return types[start + i];
  }

  /** First index whose time is {@code > t}: where an event at {@code t} goes, after equal times. */
  int upperBound(long t) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (times[start + mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** First index whose time is {@code >= t}: the count of behaviours strictly before {@code t}. */
  int lowerBound(long t) {
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (times[start + mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  void add(long item, long category, long time, byte type) {
    insert(size, item, category, time, type);
  }

  void insert(int pos, long item, long category, long time, byte type) {
    if (start + size == items.length) {
      makeRoom();
    }
    int at = start + pos;
    int tail = size - pos;
    if (tail > 0) {
      System.arraycopy(items, at, items, at + 1, tail);
      System.arraycopy(categories, at, categories, at + 1, tail);
      System.arraycopy(times, at, times, at + 1, tail);
      System.arraycopy(types, at, types, at + 1, tail);
    }
    items[at] = item;
    categories[at] = category;
    times[at] = time;
    types[at] = type;
    size++;
  }

  void dropOldest(int n) {
    if (n < 0 || n > size) {
      throw new IllegalArgumentException("cannot drop " + n + " of " + size);
    }
    start += n;
    size -= n;
    if (size == 0) {
      start = 0;
    }
  }

  /** Newest-first copy of the behaviours at indices {@code [from, to)}. */
  SequenceView viewNewestFirst(int from, int to) {
    int n = to - from;
    if (n <= 0) {
      return SequenceView.EMPTY;
    }
    long[] it = new long[n];
    long[] ca = new long[n];
    long[] ti = new long[n];
    byte[] ty = new byte[n];
    for (int k = 0; k < n; k++) {
      int src = start + to - 1 - k;
      it[k] = items[src];
      ca[k] = categories[src];
      ti[k] = times[src];
      ty[k] = types[src];
    }
    return new SequenceView(it, ca, ti, ty);
  }

  /** Items and categories at indices {@code [from, to)}, newest first (fresh arrays). */
  BehaviorSequence.History historyNewestFirst(int from, int to) {
    int n = Math.max(0, to - from);
    long[] it = new long[n];
    long[] ca = new long[n];
    for (int k = 0; k < n; k++) {
      int src = start + to - 1 - k;
      it[k] = items[src];
      ca[k] = categories[src];
    }
    return new BehaviorSequence.History(it, ca);
  }

  /** Encodes the behaviours at indices {@code [from, to)} as one block. */
  void encodeBlock(int from, int to, ByteWriter out) {
    int n = to - from;
    out.writeUVarint(n);
    if (n == 0) {
      return;
    }
    long first = times[start + from];
    long unit = 0;
    for (int i = from + 1; i < to; i++) {
      unit = gcd(unit, times[start + i] - first);
    }
    if (unit == 0) {
      unit = 1;
    }
    out.writeZigZag(first);
    out.writeUVarint(unit);
    long prevTime = first;
    long prevCategory = 0;
    long prevItem = 0;
    for (int i = start + from; i < start + to; i++) {
      out.writeUVarint(((times[i] - prevTime) / unit) << 3 | types[i]);
      out.writeZigZag(categories[i] - prevCategory);
      out.writeZigZag(items[i] - prevItem);
      prevTime = times[i];
      prevCategory = categories[i];
      prevItem = items[i];
    }
  }

  /**
   * Decodes one block and appends its behaviours; returns how many. Refuses a block that would put
   * times out of order or outside the accepted range.
   */
  int decodeBlockAppend(ByteReader in) {
    int n = in.readUVarintInt(SequenceLimits.MAX_LENGTH_LIMIT, "block count");
    if (n == 0) {
      return 0;
    }
    long time = in.readZigZag();
    long unit = in.readUVarint();
    if (unit <= 0 || time < 0 || time >= MAX_TIME_MS) {
      throw new CorruptDataException("bad block header: time " + time + ", unit " + unit);
    }
    if (size > 0 && time < times[start + size - 1]) {
      throw new CorruptDataException("block starts before the previous block ends");
    }
    long category = 0;
    long item = 0;
    for (int k = 0; k < n; k++) {
      long head = in.readUVarint();
      long dt = head >>> 3;
      if (dt > (MAX_TIME_MS - time) / unit) {
        throw new CorruptDataException("time delta out of range");
      }
      time += dt * unit;
      category += in.readZigZag();
      item += in.readZigZag();
      add(item, category, time, (byte) (head & 7));
    }
    return n;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private void makeRoom() {
    if (start > 0 && start >= items.length / 4) {
      // Reclaim the dropped prefix instead of growing: at the cap this runs every ~L/4 appends.
      System.arraycopy(items, start, items, 0, size);
      System.arraycopy(categories, start, categories, 0, size);
      System.arraycopy(times, start, times, 0, size);
      System.arraycopy(types, start, types, 0, size);
      start = 0;
      return;
    }
    int capacity = items.length * 2;
    items = Arrays.copyOf(items, capacity);
    categories = Arrays.copyOf(categories, capacity);
    times = Arrays.copyOf(times, capacity);
    types = Arrays.copyOf(types, capacity);
  }
}
