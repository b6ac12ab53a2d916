package io.darestream.model.metrics;

/**
 * AUC from histograms of the predictions of positives and negatives: bounded memory however many
 * samples, mergeable, and exact up to ties within a bin (counted as half, as AUC counts ties).
 * {@link Auc} is the exact AUC of a bounded set of scores; this one is for unbounded streams (a
 * whole run, buckets of a time axis), where keeping every score is not an option.
 */
public final class BinnedAuc {
  /** Histogram bins over the prediction range [0, 1]. */
  public static final int BINS = 1000;

  private final long[] positives = new long[BINS];
  private final long[] negatives = new long[BINS];
  private long count;

  /** Counts one scored sample; predictions outside [0, 1] fall into the end bins. */
  public void add(float prediction, int label) {
    int bin = Math.min(BINS - 1, Math.max(0, (int) (prediction * BINS)));
    if (label > 0) {
      positives[bin]++;
    } else {
      negatives[bin]++;
    }
    count++;
  }

  /** Adds the counts of {@code other} (merging two accumulators). */
  public void addAll(BinnedAuc other) {
    for (int i = 0; i < BINS; i++) {
      positives[i] += other.positives[i];
      negatives[i] += other.negatives[i];
    }
    count += other.count;
  }

  /** Samples counted. */
  public long count() {
    return count;
  }

  /** P(prediction of a positive > that of a negative); NaN without both classes. */
  public double auc() {
    double pairs = 0;
    long negativesBelow = 0;
    long pos = 0;
    long neg = 0;
    for (int i = 0; i < BINS; i++) {
      pairs += positives[i] * (negativesBelow + negatives[i] / 2.0);
      negativesBelow += negatives[i];
      pos += positives[i];
      neg += negatives[i];
    }
    return pos == 0 || neg == 0 ? Double.NaN : pairs / ((double) pos * neg);
  }
}
