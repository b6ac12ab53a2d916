package io.darestream.model.metrics;

/**
 * Streaming metrics over the window at one moment.
 *
 * @param count samples in the window
 * @param auc exact AUC (NaN with one class)
 * @param gauc per-user AUC weighted by sample count, users with both labels (NaN if none)
 * @param logloss mean binary cross-entropy, predictions clipped to [1e-7, 1 - 1e-7]
 * @param meanPrediction mean predicted click probability
 * @param observedRate fraction of positive labels
 */
public record MetricsSnapshot(
    int count,
    double auc,
    double gauc,
    double logloss,
    double meanPrediction,
    double observedRate) {

  /** Calibration ratio: mean prediction over observed rate (1 = calibrated; NaN if no positive). */
  public double calibration() {
    return observedRate == 0 ? Double.NaN : meanPrediction / observedRate;
  }
}
