package io.darestream.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small deterministic samples for tests: items 1..items, category = item % categories. */
public final class Samples {
  public static final long BEGINNING = 1_700_000_000_000L;

  private Samples() {}

  public static long categoryOf(long item, int categories) {
    return item % categories;
  }

  /** One sample with the given newest-first history. */
  public static TrainingSample sample(long user, long target, int label, long... history) {
    long[] cats = new long[history.length];
    for (int i = 0; i < history.length; i++) {
      cats[i] = categoryOf(history[i], 5);
    }
    return new TrainingSample(
        user, target, categoryOf(target, 5), label, BEGINNING, BEGINNING, history, cats);
  }

  /** {@code n} random samples with histories of length 0..maxLen. */
  public static List<TrainingSample> random(int n, int items, int maxLen, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TrainingSample> out = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      int len = r.nextInt(maxLen + 1);
      long[] h = new long[len];
      for (int i = 0; i < len; i++) {
        h[i] = 1 + r.nextInt(items);
      }
      out.add(sample(r.nextInt(4), 1 + r.nextInt(items), r.nextInt(2), h));
    }
    return out;
  }
}
