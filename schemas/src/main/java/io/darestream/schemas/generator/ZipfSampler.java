package io.darestream.schemas.generator;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws items with probability proportional to {@code 1 / rank^s}: a cumulative table and a binary
 * search, O(log n) per draw and 8 bytes per item.
 */
final class ZipfSampler {
  private final int[] items;
  private final double[] cumulative;

  /**
   * @param items item ids in order of popularity, most popular first
   * @param ranks the global popularity rank (1-based) of each entry of {@code items}
   */
  ZipfSampler(int[] items, int[] ranks, double exponent) {
    this.items = items;
    this.cumulative = new double[items.length];
    double sum = 0;
    for (int i = 0; i < items.length; i++) {
      sum += Math.pow(ranks[i], -exponent);
      cumulative[i] = sum;
    }
  }

  int sample(SplittableRandom rng) {
    double u = rng.nextDouble() * cumulative[cumulative.length - 1];
    int i = Arrays.binarySearch(cumulative, u);
    int index = i >= 0 ? i : -i - 1;
    return items[Math.min(index, items.length - 1)];
  }

  int size() {
    return items.length;
  }
}
