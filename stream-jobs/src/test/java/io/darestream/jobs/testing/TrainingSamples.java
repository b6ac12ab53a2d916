package io.darestream.jobs.testing;

import io.darestream.model.TrainingSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded random training samples for trainer tests: items 0..299, category = item % categories. */
public final class TrainingSamples {
  /** Event and ingest time of the first sample; sample {@code i} is {@code i} ms later. */
  public static final long T0 = 1_700_000_000_000L;

  private static final int ITEMS = 300;

  private TrainingSamples() {}

  /**
   * {@code n} samples with histories of {@code minLength..maxLength} behaviours, users {@code
   * 0..users-1}, labels 0 or 1; the same seed gives the same samples.
   */
  public static List<TrainingSample> random(
      int n, long seed, int minLength, int maxLength, int categories, int users) {
    Random r = new Random(seed);
    List<TrainingSample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int length = minLength + r.nextInt(maxLength - minLength + 1);
      long[] items = new long[length];
      long[] cats = new long[length];
      for (int j = 0; j < length; j++) {
        items[j] = r.nextInt(ITEMS);
        cats[j] = items[j] % categories;
      }
      long target = r.nextInt(ITEMS);
      out.add(
          new TrainingSample(
              r.nextInt(users),
              target,
              target % categories,
              r.nextInt(2),
              T0 + i,
              T0 + i,
              items,
              cats));
    }
    return out;
  }
}
