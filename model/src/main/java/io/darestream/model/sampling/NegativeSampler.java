package io.darestream.model.sampling;

import io.darestream.model.TrainingSample;
import io.darestream.model.collections.LongHashSet;
import io.darestream.model.collections.LongIntHashMap;
import io.darestream.state.collections.Mix64;
import java.util.ArrayList;
import java.util.List;

/**
 * Frequency-proportional negative sampling over recently seen items: a ring buffer holds the last
 * {@code window} item occurrences, so a uniform draw from it picks items in proportion to their
 * recent frequency. It also counts each item's occurrences in the window ({@link #occurrences}),
 * which tells how warm an item is on the same scale negatives are drawn from.
 *
 * <p>Deterministic: draw {@code k} for a positive is a pure function of (seed, user, event time, k,
 * attempt) and the buffer's content, so the same stream and seed give the same negatives.
 */
public final class NegativeSampler {
  private static final int MAX_ATTEMPTS_PER_DRAW = 16;
  // First element of a snapshot: "NS" and format version 1.
  private static final long SNAPSHOT_FORMAT = 0x4E53_0001L;
  private static final int SNAPSHOT_HEADER = 3;

  private final long seed;
  private final long[] items;
  private final long[] categories;
  // Occurrences per item in the window: bounded by the window, derived from it (not snapshotted).
  private final LongIntHashMap counts;
  private long observed;

  /**
   * @param window number of recent item occurrences kept
   * @param seed seed of all draws
   */
  public NegativeSampler(int window, long seed) {
    if (window <= 0) {
      throw new IllegalArgumentException("window must be > 0, got " + window);
    }
    this.items = new long[window];
    this.categories = new long[window];
    this.counts = new LongIntHashMap(Math.min(window, 1 << 16));
    this.seed = seed;
  }

  /** Records one occurrence of an item (call for every positive behaviour of the stream). */
  public void observe(long item, long category) {
    int slot = (int) (observed % items.length);
    if (observed >= items.length) {
      forget(items[slot]);
    }
    items[slot] = item;
    categories[slot] = category;
    count(item);
    observed++;
  }

  /** Occurrences of {@code item} among those the window holds now. */
  public int occurrences(long item) {
    return Math.max(0, counts.get(item));
  }

  private void count(long item) {
    counts.put(item, occurrences(item) + 1);
  }

  private void forget(long item) {
    int n = counts.get(item);
    if (n <= 1) {
      counts.remove(item);
    } else {
      counts.put(item, n - 1);
    }
  }

  /** Occurrences currently held. */
  public int size() {
    return (int) Math.min(observed, items.length);
  }

  /**
   * The window as one array, for a checkpoint: format, window length, occurrences observed, then
   * the held items and their categories by ring slot. A sampler restored from it draws exactly what
   * this one would.
   */
  public long[] snapshot() {
    int n = size();
    long[] out = new long[SNAPSHOT_HEADER + 2 * n];
    out[0] = SNAPSHOT_FORMAT;
    out[1] = items.length;
    out[2] = observed;
    System.arraycopy(items, 0, out, SNAPSHOT_HEADER, n);
    System.arraycopy(categories, 0, out, SNAPSHOT_HEADER + n, n);
    return out;
  }

  /**
   * Replaces the window with a {@link #snapshot()} of a sampler with the same window length.
   *
   * @throws IllegalArgumentException if {@code snapshot} is not one, is cut short, or was taken
   *     with another window length; this sampler is then unchanged
   */
  public void restore(long[] snapshot) {
    if (snapshot == null || snapshot.length < SNAPSHOT_HEADER || snapshot[0] != SNAPSHOT_FORMAT) {
      throw new IllegalArgumentException("not a negative-sampler snapshot (format 1)");
    }
    if (snapshot[1] != items.length) {
      throw new IllegalArgumentException(
          "snapshot of a window of "
              + snapshot[1]
              + " occurrences, this sampler keeps "
              + items.length);
    }
    long seen = snapshot[2];
    int n = (int) Math.min(Math.max(seen, 0), items.length);
    if (seen < 0 || snapshot.length != SNAPSHOT_HEADER + 2 * n) {
      throw new IllegalArgumentException(
          "negative-sampler snapshot of "
              + snapshot.length
              + " values is inconsistent with "
              + seen
              + " occurrences observed");
    }
    System.arraycopy(snapshot, SNAPSHOT_HEADER, items, 0, n);
    System.arraycopy(snapshot, SNAPSHOT_HEADER + n, categories, 0, n);
    observed = seen;
    counts.clear();
    for (int i = 0; i < n; i++) {
      count(items[i]);
    }
  }

  /**
   * Draws up to {@code count} items for {@code positive}'s user, none of which is in its history or
   * is its target; fewer when the window holds too few other items.
   */
  public List<SampledItem> sample(TrainingSample positive, int count) {
    LongHashSet exclude = new LongHashSet(positive.historyLength() + 1);
    exclude.add(positive.targetItem());
    for (int i = 0; i < positive.historyLength(); i++) {
      exclude.add(positive.historyItem(i));
    }
    return sample(positive.userId(), positive.eventTimeMs(), exclude, count);
  }

  /** Draws up to {@code count} items not in {@code exclude}; {@code nonce} varies the draws. */
  public List<SampledItem> sample(long userId, long nonce, LongHashSet exclude, int count) {
    return sample(userId, nonce, exclude, count, 0);
  }

  /**
   * Draws up to {@code count} items not in {@code exclude} that occur at least {@code
   * minOccurrences} times in the window; {@code nonce} varies the draws.
   */
  public List<SampledItem> sample(
      long userId, long nonce, LongHashSet exclude, int count, int minOccurrences) {
    List<SampledItem> out = new ArrayList<>(count);
    int n = size();
    if (n == 0) {
      return out;
    }
    LongHashSet taken = new LongHashSet(count);
    long base = Mix64.mix(Mix64.mix(seed ^ Mix64.mix(userId)) ^ nonce);
    for (int k = 0; k < count; k++) {
      for (int attempt = 0; attempt < MAX_ATTEMPTS_PER_DRAW; attempt++) {
        long h = Mix64.mix(base + (long) k * MAX_ATTEMPTS_PER_DRAW + attempt);
        int slot = (int) Long.remainderUnsigned(h, n);
        long item = items[slot];
        if (!exclude.contains(item)
            && !taken.contains(item)
            && (minOccurrences <= 1 || occurrences(item) >= minOccurrences)) {
          taken.add(item);
          out.add(new SampledItem(item, categories[slot]));
          break;
        }
      }
    }
    return out;
  }

  /** Negatives for {@code positive} as labelled samples sharing its user and history. */
  public List<TrainingSample> negatives(TrainingSample positive, int count) {
    List<TrainingSample> out = new ArrayList<>(count);
    for (SampledItem s : sample(positive, count)) {
      out.add(positive.withTarget(s.item(), s.category(), 0));
    }
    return out;
  }
}
