package io.darestream.model.sampling;

import io.darestream.model.TrainingSample;
import io.darestream.model.collections.LongHashSet;
import io.darestream.model.collections.LongIntHashMap;
import io.darestream.state.collections.Mix64;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Frequency-proportional negative sampling over recently seen items: a ring buffer holds the last
 * {@code window} item occurrences, so a uniform draw from it picks items in proportion to their
 * recent frequency. It also counts each item's occurrences in the window ({@link #occurrences}),
 * which tells how warm an item is on the same scale negatives are drawn from, and how many of those
 * occurrences were made positive samples ({@link #sampledOccurrences}): whether the model has
 * already been shown the item as a click.
 *
 * <p>Deterministic: draw {@code k} for a positive is a pure function of (seed, user, event time, k,
 * attempt) and the buffer's content, so the same stream and seed give the same negatives.
 */
public final class NegativeSampler {
  private static final int MAX_ATTEMPTS_PER_DRAW = 16;
  // A filtered draw (sample with a predicate) may need more: the accepted items can be a few
  // percent of the window (e.g. items already clicked as samples in a stream of 4M items).
  private static final int MAX_FILTERED_ATTEMPTS_PER_DRAW = 256;
  private static final long FILTERED_STREAM = 0x5DEE_CE66_D1CE_4E5BL;
  // First element of a snapshot: "NS" and format version. Format 1 had no sampled flags.
  private static final long SNAPSHOT_FORMAT_1 = 0x4E53_0001L;
  private static final long SNAPSHOT_FORMAT = 0x4E53_0002L;
  private static final int SNAPSHOT_HEADER = 3;

  private final long seed;
  private final long[] items;
  private final long[] categories;
  // Whether each held occurrence was made a positive sample (see observe(item, category, sampled)).
  private final boolean[] sampled;
  // Occurrences per item in the window: bounded by the window, derived from it (not snapshotted).
  private final LongIntHashMap counts;
  // Occurrences per item in the window that were positive samples; derived the same way.
  private final LongIntHashMap sampledCounts;
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
    this.sampled = new boolean[window];
    this.counts = new LongIntHashMap(Math.min(window, 1 << 16));
    this.sampledCounts = new LongIntHashMap(Math.min(window, 1 << 16));
    this.seed = seed;
  }

  /**
   * Records one occurrence of an item that was not made a positive sample (call for every positive
   * behaviour of the stream).
   */
  public void observe(long item, long category) {
    observe(item, category, false);
  }

  /**
   * Records one occurrence of an item.
   *
   * @param sampled whether this occurrence was made a positive training sample
   */
  public void observe(long item, long category, boolean sampled) {
    int slot = (int) (observed % items.length);
    if (observed >= items.length) {
      forget(items[slot], this.sampled[slot]);
    }
    items[slot] = item;
    categories[slot] = category;
    this.sampled[slot] = sampled;
    count(item, sampled);
    observed++;
  }

  /** Occurrences of {@code item} among those the window holds now. */
  public int occurrences(long item) {
    return Math.max(0, counts.get(item));
  }

  /** Occurrences of {@code item} in the window that were made positive samples. */
  public int sampledOccurrences(long item) {
    return Math.max(0, sampledCounts.get(item));
  }

  private void count(long item, boolean wasSampled) {
    counts.put(item, occurrences(item) + 1);
    if (wasSampled) {
      sampledCounts.put(item, sampledOccurrences(item) + 1);
    }
  }

  private void forget(long item, boolean wasSampled) {
    decrement(counts, item);
    if (wasSampled) {
      decrement(sampledCounts, item);
    }
  }

  private static void decrement(LongIntHashMap map, long item) {
    int n = map.get(item);
    if (n <= 1) {
      map.remove(item);
    } else {
      map.put(item, n - 1);
    }
  }

  /** Occurrences currently held. */
  public int size() {
    return (int) Math.min(observed, items.length);
  }

  /**
   * The window as one array, for a checkpoint: format, window length, occurrences observed, then
   * the held items, their categories and their sampled flags (64 to a value) by ring slot. A
   * sampler restored from it draws exactly what this one would.
   */
  public long[] snapshot() {
    int n = size();
    long[] out = new long[SNAPSHOT_HEADER + 2 * n + flagWords(n)];
    out[0] = SNAPSHOT_FORMAT;
    out[1] = items.length;
    out[2] = observed;
    System.arraycopy(items, 0, out, SNAPSHOT_HEADER, n);
    System.arraycopy(categories, 0, out, SNAPSHOT_HEADER + n, n);
    for (int i = 0; i < n; i++) {
      if (sampled[i]) {
        out[SNAPSHOT_HEADER + 2 * n + (i >>> 6)] |= 1L << (i & 63);
      }
    }
    return out;
  }

  private static int flagWords(int n) {
    return (n + 63) >>> 6;
  }

  /**
   * Replaces the window with a {@link #snapshot()} of a sampler with the same window length. A
   * format-1 snapshot (taken before sampled flags existed) is read as if every occurrence but an
   * item's first in the window had been sampled, which is what warm minimum 1 made of it.
   *
   * @throws IllegalArgumentException if {@code snapshot} is not one, is cut short, or was taken
   *     with another window length; this sampler is then unchanged
   */
  public void restore(long[] snapshot) {
    if (snapshot == null
        || snapshot.length < SNAPSHOT_HEADER
        || (snapshot[0] != SNAPSHOT_FORMAT && snapshot[0] != SNAPSHOT_FORMAT_1)) {
      throw new IllegalArgumentException("not a negative-sampler snapshot (format 1 or 2)");
    }
    boolean withFlags = snapshot[0] == SNAPSHOT_FORMAT;
    if (snapshot[1] != items.length) {
      throw new IllegalArgumentException(
          "snapshot of a window of "
              + snapshot[1]
              + " occurrences, this sampler keeps "
              + items.length);
    }
    long seen = snapshot[2];
    int n = (int) Math.min(Math.max(seen, 0), items.length);
    if (seen < 0 || snapshot.length != SNAPSHOT_HEADER + 2 * n + (withFlags ? flagWords(n) : 0)) {
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
    sampledCounts.clear();
    // Oldest first, so that a format-1 window marks all but each item's oldest occurrence.
    for (long o = seen - n; o < seen; o++) {
      int i = (int) (o % items.length);
      boolean wasSampled =
          withFlags
              ? (snapshot[SNAPSHOT_HEADER + 2 * n + (i >>> 6)] >>> (i & 63) & 1L) != 0
              : occurrences(items[i]) > 0;
      sampled[i] = wasSampled;
      count(items[i], wasSampled);
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
    return draw(
        userId,
        nonce,
        exclude,
        count,
        minOccurrences <= 1 ? null : item -> occurrences(item) >= minOccurrences,
        MAX_ATTEMPTS_PER_DRAW);
  }

  /**
   * Draws up to {@code count} items not in {@code exclude} that {@code accept} takes, trying up to
   * 256 occurrences per draw, so that an accepted set of a few percent of the window is still found
   * almost always; {@code nonce} varies the draws.
   */
  public List<SampledItem> sample(
      long userId, long nonce, LongHashSet exclude, int count, LongPredicate accept) {
    return draw(userId, nonce, exclude, count, accept, MAX_FILTERED_ATTEMPTS_PER_DRAW);
  }

  private List<SampledItem> draw(
      long userId,
      long nonce,
      LongHashSet exclude,
      int count,
      LongPredicate accept,
      int maxAttempts) {
    List<SampledItem> out = new ArrayList<>(count);
    int n = size();
    if (n == 0) {
      return out;
    }
    LongHashSet taken = new LongHashSet(count);
    long base = Mix64.mix(Mix64.mix(seed ^ Mix64.mix(userId)) ^ nonce);
    for (int k = 0; k < count; k++) {
      for (int attempt = 0; attempt < maxAttempts; attempt++) {
        // The first 16 attempts are those of an unfiltered draw; later ones a stream of their own.
        long h =
            attempt < MAX_ATTEMPTS_PER_DRAW
                ? Mix64.mix(base + (long) k * MAX_ATTEMPTS_PER_DRAW + attempt)
                : Mix64.mix((base ^ FILTERED_STREAM) + (long) k * maxAttempts + attempt);
        int slot = (int) Long.remainderUnsigned(h, n);
        long item = items[slot];
        if (!exclude.contains(item)
            && !taken.contains(item)
            && (accept == null || accept.test(item))) {
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
