package io.darestream.app.stats;

import io.darestream.model.metrics.BinnedAuc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * AUC per event-time bucket, for the report's AUC-over-stream-time plot. The bucket width starts at
 * one minute and doubles (merging neighbours) whenever there would be more than {@link
 * #MAX_BUCKETS}, so memory stays bounded for any stream span (nine days of Taobao, twenty years of
 * MovieLens) without knowing the span in advance.
 */
public final class AucOverTime {
  static final int MAX_BUCKETS = 64;

  private long widthMs = 60_000;
  private TreeMap<Long, BinnedAuc> buckets = new TreeMap<>();

  /** One point of the curve: bucket start (event time) and AUC of its samples. */
  public record Point(long eventTimeMs, double auc, long samples) {}

  synchronized void add(long eventTimeMs, float prediction, int label) {
    buckets
        .computeIfAbsent(Math.floorDiv(eventTimeMs, widthMs), k -> new BinnedAuc())
        .add(prediction, label);
    while (buckets.size() > 1 && buckets.lastKey() - buckets.firstKey() >= MAX_BUCKETS) {
      widen();
    }
  }

  private void widen() {
    TreeMap<Long, BinnedAuc> wider = new TreeMap<>();
    for (Map.Entry<Long, BinnedAuc> e : buckets.entrySet()) {
      wider
          .computeIfAbsent(Math.floorDiv(e.getKey(), 2), k -> new BinnedAuc())
          .addAll(e.getValue());
    }
    buckets = wider;
    widthMs *= 2;
  }

  /** Buckets with at least {@code minSamples} samples and both classes. */
  public synchronized List<Point> points(long minSamples) {
    List<Point> out = new ArrayList<>();
    for (Map.Entry<Long, BinnedAuc> e : buckets.entrySet()) {
      double auc = e.getValue().auc();
      if (e.getValue().count() >= minSamples && !Double.isNaN(auc)) {
        out.add(new Point(e.getKey() * widthMs, auc, e.getValue().count()));
      }
    }
    return out;
  }

  synchronized long widthMs() {
    return widthMs;
  }
}
