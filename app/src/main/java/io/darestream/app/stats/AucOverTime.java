package io.darestream.app.stats;

import io.darestream.model.metrics.BinnedAuc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** AUC per event-time bucket ({@link EventTimeBuckets}), for the report's AUC-over-time plot. */
public final class AucOverTime {
  static final int MAX_BUCKETS = EventTimeBuckets.MAX_BUCKETS;

  private final EventTimeBuckets<BinnedAuc> buckets =
      new EventTimeBuckets<>(BinnedAuc::new, BinnedAuc::addAll);

  /** One point of the curve: bucket start (event time) and AUC of its samples. */
  public record Point(long eventTimeMs, double auc, long samples) {}

  synchronized void add(long eventTimeMs, float prediction, int label) {
    buckets.at(eventTimeMs).add(prediction, label);
  }

  /** Buckets with at least {@code minSamples} samples and both classes. */
  public synchronized List<Point> points(long minSamples) {
    List<Point> out = new ArrayList<>();
    for (Map.Entry<Long, BinnedAuc> e : buckets.byStartMs().entrySet()) {
      double auc = e.getValue().auc();
      if (e.getValue().count() >= minSamples && !Double.isNaN(auc)) {
        out.add(new Point(e.getKey(), auc, e.getValue().count()));
      }
    }
    return out;
  }

  synchronized long widthMs() {
    return buckets.widthMs();
  }
}
