package io.darestream.jobs.testing;

import io.darestream.model.TrainingSample;
import java.util.Random;

/**
 * An endless stream of training samples over an unbounded id space, as a catalogue that never stops
 * growing (or a stream of forged ids) produces: every sample brings {@link #FRESH_PER_SAMPLE} item
 * ids never seen before (its target and some of its history) next to a few of {@link #POPULAR}
 * popular items that recur all the time. Categories are bounded ({@link #CATEGORIES}).
 *
 * <p>Sample {@code i} is stamped {@code start + i * stepMs}; the same seed gives the same stream.
 */
public final class UnboundedIds {
  /** Popular item ids: {@code 0 .. POPULAR - 1}. */
  public static final int POPULAR = 50;

  /** Never-seen item ids per sample: the target and two history items. */
  public static final int FRESH_PER_SAMPLE = 3;

  /** Categories: {@code item % CATEGORIES}. */
  public static final int CATEGORIES = 20;

  private static final long FIRST_FRESH_ID = 1_000_000L;
  private static final int HISTORY = 6;

  private final Random random;
  private final long startMs;
  private final long stepMs;
  private long nextFresh = FIRST_FRESH_ID;
  private long index;

  public UnboundedIds(long seed, long startMs, long stepMs) {
    this.random = new Random(seed);
    this.startMs = startMs;
    this.stepMs = stepMs;
  }

  /** Event time of the next sample. */
  public long nextEventTimeMs() {
    return startMs + index * stepMs;
  }

  /** The next sample, stamped {@code start + i * stepMs}. */
  public TrainingSample next() {
    return nextAt(nextEventTimeMs());
  }

  /** The next sample, stamped {@code eventTimeMs} (e.g. the wall clock of a soak run). */
  public TrainingSample nextAt(long eventTimeMs) {
    long t = eventTimeMs;
    index++;
    long[] items = new long[HISTORY];
    long[] cats = new long[HISTORY];
    for (int j = 0; j < HISTORY; j++) {
      // Two fresh ids in the history, the rest popular.
      items[j] = j < FRESH_PER_SAMPLE - 1 ? nextFresh++ : random.nextInt(POPULAR);
      cats[j] = items[j] % CATEGORIES;
    }
    long target = nextFresh++;
    return new TrainingSample(
        random.nextInt(1_000), target, target % CATEGORIES, random.nextInt(2), t, t, items, cats);
  }

  /** Whether {@code item} is one of the popular ids (else it was fresh when first sent). */
  public static boolean popular(long item) {
    return item < POPULAR;
  }
}
