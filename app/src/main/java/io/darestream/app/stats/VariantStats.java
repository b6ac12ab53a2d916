package io.darestream.app.stats;

import io.darestream.model.metrics.Auc;
import io.darestream.model.metrics.BinnedAuc;
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
  private final int[] windowLabels = new int[WINDOW];
  // The first WINDOW scores, kept: a warm start is judged on the start of the online stream.
  private final float[] firstPredictions = new float[WINDOW];
  private final int[] firstLabels = new int[WINDOW];
  private final BinnedAuc overall = new BinnedAuc();
  private final AucOverTime overTime = new AucOverTime();
  private final SubtaskCounts trained = new SubtaskCounts();
  // Scores seen by this process (the AUC's); after a resume fewer than the samples trained.
  private long scored;
  private long modelVersion;
  private long lastEventTimeMs = Long.MIN_VALUE;
  // Null unless the stream has planted ground truth and a probe measures the search.
  private RetrievalOverTime retrieval;

  VariantStats(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public synchronized void add(long eventTimeMs, float prediction, int label, long version) {
    if (scored < WINDOW) {
      firstPredictions[(int) scored] = prediction;
      firstLabels[(int) scored] = label;
    }
    int slot = (int) (scored % WINDOW);
    windowPredictions[slot] = prediction;
    windowLabels[slot] = label;
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
    int[] l;
    int n;
    synchronized (this) {
      n = (int) Math.min(scored, WINDOW);
      p = Arrays.copyOf(windowPredictions, n);
      l = Arrays.copyOf(windowLabels, n);
    }
    return Auc.compute(p, l, n);
  }

  /** Exact AUC of the first {@link #WINDOW} samples scored (fewer if fewer); NaN if one class. */
  public synchronized double firstAuc() {
    int n = (int) Math.min(scored, WINDOW);
    return Auc.compute(firstPredictions, firstLabels, n);
  }

  public synchronized double overallAuc() {
    return overall.auc();
  }

  public AucOverTime overTime() {
    return overTime;
  }

  /**
   * The variant's retrieval quality against the stream's planted truth, created (for NDCG@{@code
   * k}) on first use by the probe that measures it.
   */
  public synchronized RetrievalOverTime retrieval(int k) {
    if (retrieval == null) {
      retrieval = new RetrievalOverTime(k);
    } else if (retrieval.k() != k) {
      throw new IllegalArgumentException("retrieval is NDCG@" + retrieval.k() + ", not @" + k);
    }
    return retrieval;
  }

  /** The retrieval quality measured so far, or null when none was (no ground truth). */
  public synchronized RetrievalOverTime retrievalOrNull() {
    return retrieval;
  }
}
