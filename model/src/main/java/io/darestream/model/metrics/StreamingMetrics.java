package io.darestream.model.metrics;

/**
 * Prequential metrics over a sliding window of the last {@code window} scored samples: exact AUC,
 * GAUC, logloss and calibration. {@link #add} is O(1); {@link #snapshot()} is O(n log n), meant for
 * a reporting interval, not per sample.
 */
public final class StreamingMetrics {
  private static final double CLIP = 1e-7;
  private final long[] users;
  private final float[] scores;
  private final int[] labels;
  private long added;

  public StreamingMetrics(int window) {
    if (window <= 0) {
      throw new IllegalArgumentException("window must be > 0, got " + window);
    }
    users = new long[window];
    scores = new float[window];
    labels = new int[window];
  }

  /** Records one prediction made before training on the sample. */
  public void add(long userId, float prediction, int label) {
    int slot = (int) (added % users.length);
    users[slot] = userId;
    scores[slot] = prediction;
    labels[slot] = label;
    added++;
  }

  /** Samples seen since start (not just in the window). */
  public long total() {
    return added;
  }

  public MetricsSnapshot snapshot() {
    int n = (int) Math.min(added, users.length);
    double loss = 0;
    double pred = 0;
    int pos = 0;
    for (int i = 0; i < n; i++) {
      double p = Math.min(1 - CLIP, Math.max(CLIP, scores[i]));
      loss -= labels[i] == 1 ? Math.log(p) : Math.log(1 - p);
      pred += scores[i];
      pos += labels[i];
    }
    if (n == 0) {
      return new MetricsSnapshot(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return new MetricsSnapshot(
        n,
        Auc.compute(scores, labels, n),
        Gauc.compute(users, scores, labels, n),
        loss / n,
        pred / n,
        (double) pos / n);
  }
}
