package io.darestream.serving.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service's Prometheus meters, created once and handed to the parts that update them. Rates
 * (scores/s, deltas/s) are counters: Prometheus derives them with {@code rate()}, which is exact
 * over any window, rather than the service guessing a window.
 */
public final class ServingMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private final Timer scoreLatency;
  private final Counter scores;
  private final Counter deltasApplied;
  private final Counter rowsApplied;
  private final Counter deltasStaleEpoch;
  private final Counter deltasOlderVersion;
  private final DistributionSummary deltaFreshness;
  private final AtomicLong freshnessLagMs = new AtomicLong(-1);
  private final Counter snapshotsRefused;
  private final Counter modelReloads;
  private final Counter behaviorsStored;
  private final Counter nonFiniteScores;

  public ServingMetrics() {
    scoreLatency =
        Timer.builder("serving.score.latency")
            .description("Time to answer POST /v1/score, parse to response written")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(2))
            .register(registry);
    scores = counter("serving.scores", "Candidates scored; rate() gives scores per second");
    deltasApplied = counter("serving.deltas.applied", "model-deltas records applied");
    rowsApplied =
        counter("serving.delta.rows.applied", "Rows written by applied model-deltas records");
    deltasStaleEpoch =
        counter(
            "serving.deltas.ignored",
            "model-deltas records ignored because a newer epoch is being served",
            "stale_epoch");
    deltasOlderVersion =
        counter(
            "serving.deltas.ignored",
            "model-deltas records ignored because the model already holds a newer one",
            "older_version");
    deltaFreshness =
        DistributionSummary.builder("serving.delta.freshness.ms")
            .description("Apply time minus the oldest ingest time of the events a delta covers")
            .publishPercentileHistogram()
            // Exact bounds at the freshness targets one alerts on (the percentile buckets between
            // 1 and 2 s are 1,706 and 2,047 ms).
            .serviceLevelObjectives(500.0, 1_000.0, 2_000.0, 5_000.0)
            .minimumExpectedValue(1.0)
            .maximumExpectedValue(600_000.0)
            .register(registry);
    Gauge.builder("serving.freshness.lag.ms", freshnessLagMs, AtomicLong::get)
        .description("Freshness of the last applied delta (ms); -1 before the first")
        .register(registry);
    snapshotsRefused =
        counter("serving.snapshots.refused", "Snapshots refused as corrupt or partial");
    modelReloads =
        counter("serving.model.reloads", "Models loaded from a snapshot, the first included");
    behaviorsStored =
        counter(
            "serving.behaviors.stored", "behavior-events records appended to the sequence store");
    nonFiniteScores =
        counter(
            "serving.scores.nonfinite",
            "Score requests refused because the model produced NaN or infinity");
  }

  /**
   * The gauge of how long the brokers have not answered the tailer of {@code topic} (0: they do).
   */
  public void feedUnansweredSeconds(String topic, java.util.function.DoubleSupplier seconds) {
    Gauge.builder(
            "serving.feed.unanswered.seconds",
            seconds,
            java.util.function.DoubleSupplier::getAsDouble)
        .tag("topic", topic)
        .strongReference(true) // nothing else holds the supplier
        .description("Seconds since Kafka last answered this feed's probe; 0 while it answers")
        .register(registry);
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  /** A counter of {@code name} for one reason (tag {@code reason}) of several. */
  private Counter counter(String name, String description, String reason) {
    return Counter.builder(name).tag("reason", reason).description(description).register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  public void recordScore(long nanos, int candidates) {
    scoreLatency.record(nanos, TimeUnit.NANOSECONDS);
    scores.increment(candidates);
  }

  public void deltaApplied(int rows, long freshnessMs) {
    deltasApplied.increment();
    rowsApplied.increment(rows);
    if (freshnessMs >= 0) {
      deltaFreshness.record(freshnessMs);
      freshnessLagMs.set(freshnessMs);
    }
  }

  public void deltaIgnoredStaleEpoch() {
    deltasStaleEpoch.increment();
  }

  public void deltaIgnoredOlderVersion() {
    deltasOlderVersion.increment();
  }

  public void snapshotRefused() {
    snapshotsRefused.increment();
  }

  public void modelLoaded() {
    modelReloads.increment();
  }

  public void behaviorStored() {
    behaviorsStored.increment();
  }

  /**
   * Counts an HTTP request refused before it reached a handler ({@code body_too_large}, {@code
   * body_timeout}, {@code body_unreadable}).
   */
  public void httpRejected(String reason) {
    counter("serving.http.rejected", "HTTP requests refused while their body was read", reason)
        .increment();
  }

  /** Counts a score request whose model output was NaN or infinite (answered 500, not served). */
  public void nonFiniteScore() {
    nonFiniteScores.increment();
  }

  /** Counts a record of {@code topic} that could not be used, by reason. */
  public void badRecord(String topic, String reason) {
    Counter.builder("serving.records.bad")
        .tag("topic", topic)
        .tag("reason", reason)
        .description("Records skipped because they could not be decoded or applied")
        .register(registry)
        .increment();
  }

  /** Records of {@code topic} skipped so far, over all reasons. */
  public double badRecordsCount(String topic) {
    return registry.find("serving.records.bad").tag("topic", topic).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  public double deltasIgnoredStaleEpochCount() {
    return deltasStaleEpoch.count();
  }

  public double deltasAppliedCount() {
    return deltasApplied.count();
  }

  /** The count of {@code serving_records_bad_total{topic, reason}}; 0 if never counted. */
  public double badRecordCount(String topic, String reason) {
    Counter c =
        registry.find("serving.records.bad").tag("topic", topic).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  /** The count of {@code serving_http_rejected_total{reason}}; 0 if never counted. */
  public double httpRejectedCount(String reason) {
    Counter c = registry.find("serving.http.rejected").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  public double snapshotsRefusedCount() {
    return snapshotsRefused.count();
  }
}
