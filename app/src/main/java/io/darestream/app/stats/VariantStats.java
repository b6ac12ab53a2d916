package io.darestream.app.stats;

import java.util.Arrays;

/**
 * What one trainer did in a local run, fed by {@link ScoreSink} with its prequential scores: count,
 * model version, AUC over the last {@link #WINDOW} samples, AUC overall and over event time.
 */
public final class VariantStats {
  /** Samples in the live AUC window (the trainer's own metrics window has the same size). */
  public static final int WINDOW = 10_000;

  private final String name;
  private final float[] windowPredictions = new float[WINDOW];
  private final byte[] windowLabels = new byte[WINDOW];
  private final BinnedAuc overall = new BinnedAuc();
  private final AucOverTime overTime = new AucOverTime();
  private final SubtaskCounts trained = new SubtaskCounts();
  // Scores seen by this process (the AUC's); after a resume fewer than the samples trained.
  private long scored;
  private long modelVersion;
  private long lastEventTimeMs = Long.MIN_VALUE;

  VariantStats(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public synchronized void add(long eventTimeMs, float prediction, int label, long version) {
    int slot = (int) (scored % WINDOW);
    windowPredictions[slot] = prediction;
    windowLabels[slot] = (byte) label;
    scored++;
    modelVersion = Math.max(modelVersion, version);
    lastEventTimeMs = Math.max(lastEventTimeMs, eventTimeMs);
    overall.add(prediction, label);
    overTime.add(eventTimeMs, prediction, label);
  }

  /** Counters of the samples trained, one per subtask of the score sink (checkpointed). */
  public SubtaskCounts trainedCounts() {
    return trained;
  }

  /** Samples trained, as of the job's state: each counted once across restarts. */
  public long samples() {
    return trained.sum();
  }

  /**
   * Scores this process has seen, which the AUCs are computed from: after a resumed run only the
   * scores since the resume; after a failover the scores since the checkpoint count twice.
   */
  public synchronized long scored() {
    return scored;
  }

  public synchronized long modelVersion() {
    return modelVersion;
  }

  public synchronized long lastEventTimeMs() {
    return lastEventTimeMs;
  }

  /** Exact AUC of the last {@link #WINDOW} samples (fewer at the start); NaN if one class only. */
  public double windowAuc() {
    float[] p;
    byte[] l;
    synchronized (this) {
      int n = (int) Math.min(scored, WINDOW);
      p = Arrays.copyOf(windowPredictions, n);
      l = Arrays.copyOf(windowLabels, n);
    }
    return exactAuc(p, l);
  }

  public synchronized double overallAuc() {
    return overall.auc();
  }

  public AucOverTime overTime() {
    return overTime;
  }

  /** Mann-Whitney AUC with ties counted half. */
  static double exactAuc(float[] predictions, byte[] labels) {
    int n = predictions.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(predictions[a], predictions[b]));
    double rankSum = 0;
    long pos = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && predictions[order[j + 1]] == predictions[order[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1; // average rank of the tie group
      for (int k = i; k <= j; k++) {
        if (labels[order[k]] > 0) {
          rankSum += rank;
          pos++;
        }
      }
      i = j + 1;
    }
    long neg = n - pos;
    if (pos == 0 || neg == 0) {
      return Double.NaN;
    }
    return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }
}
