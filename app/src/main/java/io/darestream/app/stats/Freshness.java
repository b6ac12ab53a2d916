package io.darestream.app.stats;

import io.darestream.serving.ServingServer;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Serving's freshness distribution (apply time minus the oldest ingest time of the events a delta
 * covers, DESIGN.md §5), read from its {@code serving.delta.freshness.ms} histogram.
 *
 * @param count deltas measured
 * @param buckets per-bucket (not cumulative) counts, by upper bound in ms
 * @param p50Ms upper bound of the bucket holding the median
 * @param p99Ms upper bound of the bucket holding the 99th percentile
 */
public record Freshness(long count, List<Bucket> buckets, double p50Ms, double p99Ms) {
  /** Name of serving's freshness histogram. */
  static final String METER = "serving.delta.freshness.ms";

  /** Deltas whose freshness was at most {@code upperMs} and above the previous bucket's bound. */
  public record Bucket(double upperMs, long count) {}

  static Freshness empty() {
    return new Freshness(0, List.of(), Double.NaN, Double.NaN);
  }

  /** Reads the histogram of {@code server}. */
  public static Freshness of(ServingServer server) {
    DistributionSummary summary = server.metrics().registry().find(METER).summary();
    if (summary == null) {
      return empty();
    }
    HistogramSnapshot snapshot = summary.takeSnapshot();
    long total = snapshot.count();
    List<Bucket> buckets = new ArrayList<>();
    double previous = 0;
    double p50 = Double.NaN;
    double p99 = Double.NaN;
    for (CountAtBucket b : snapshot.histogramCounts()) {
      double cumulative = b.count();
      buckets.add(new Bucket(b.bucket(), Math.round(cumulative - previous)));
      previous = cumulative;
      if (total > 0 && Double.isNaN(p50) && cumulative >= 0.5 * total) {
        p50 = b.bucket();
      }
      if (total > 0 && Double.isNaN(p99) && cumulative >= 0.99 * total) {
        p99 = b.bucket();
      }
    }
    return new Freshness(total, List.copyOf(buckets), p50, p99);
  }
}
