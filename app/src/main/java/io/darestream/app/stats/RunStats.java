package io.darestream.app.stats;

import io.darestream.schemas.generator.GroundTruth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counters of one local run, shared by the replay, the job's sinks (the MiniCluster runs in
 * the same JVM) and the status line. Runs are found by id through {@link #of(String)}, because
 * Flink serializes sinks and so they can only carry the id.
 */
public final class RunStats {
  private static final Map<String, RunStats> RUNS = new ConcurrentHashMap<>();

  private final String runId;
  private final AtomicLong replayed = new AtomicLong();
  private final SubtaskCounts accepted = new SubtaskCounts();
  private final SubtaskCounts samples = new SubtaskCounts();
  private final SubtaskCounts coldClicks = new SubtaskCounts();
  private final SubtaskCounts refused = new SubtaskCounts();
  private final AtomicLong lastAcceptedEventTimeMs = new AtomicLong(Long.MIN_VALUE);

  /** user, item, category of an accepted event: the README's curl example scores it. */
  private volatile long[] example;

  private final Map<String, VariantStats> variants = new LinkedHashMap<>();
  private final List<Sample> timeline = new ArrayList<>();
  private volatile GroundTruth plantedTruth;

  /** One throughput observation (cumulative counts at a wall-clock offset). */
  public record Sample(double seconds, long replayed, long accepted, long trained) {}

  private RunStats(String runId, List<String> variantNames) {
    this.runId = runId;
    for (String v : variantNames) {
      variants.put(v, new VariantStats(v));
    }
  }

  /** Registers a new run with one {@link VariantStats} per trained variant. */
  public static RunStats register(String runId, List<String> variantNames) {
    RunStats stats = new RunStats(runId, variantNames);
    if (RUNS.putIfAbsent(runId, stats) != null) {
      throw new IllegalStateException("run " + runId + " exists");
    }
    return stats;
  }

  /** The registered run {@code runId}. */
  public static RunStats of(String runId) {
    RunStats stats = RUNS.get(runId);
    if (stats == null) {
      throw new IllegalStateException("no local run " + runId + " in this JVM");
    }
    return stats;
  }

  /** Forgets the run (after its report is written). */
  public void unregister() {
    RUNS.remove(runId);
  }

  public String runId() {
    return runId;
  }

  /** The replay has sent {@code sent} events so far. */
  public void replayedSoFar(long sent) {
    replayed.set(sent);
  }

  /** Counters of the events the job accepted, one per subtask of its counting sink. */
  public SubtaskCounts acceptedCounts() {
    return accepted;
  }

  /** Counters of the training samples the sequence stage produced, one per sink subtask. */
  public SubtaskCounts sampleCounts() {
    return samples;
  }

  /** Counters of the cold clicks (clicks that made no sample), one per sink subtask. */
  public SubtaskCounts coldClickCounts() {
    return coldClicks;
  }

  /** Counters of the events the job refused (sent to the dead-letter topic), one per subtask. */
  public SubtaskCounts refusedCounts() {
    return refused;
  }

  /** The job accepted an event of this event time. */
  public void acceptedEventTime(long eventTimeMs) {
    lastAcceptedEventTimeMs.accumulateAndGet(eventTimeMs, Math::max);
  }

  public long replayed() {
    return replayed.get();
  }

  /** Events the job accepted (decoded and valid), as of its state: each event counted once. */
  public long accepted() {
    return accepted.sum();
  }

  /**
   * Events the job refused, as of its state: each counted once, as soon as the ingest gate decides
   * (the dead-letter topic shows them only when the checkpoint commits its transaction).
   */
  public long refused() {
    return refused.sum();
  }

  /** Training samples the sequence stage produced, each counted once. */
  public long samples() {
    return samples.sum();
  }

  /**
   * Clicks the sequence stage did not make samples of, each counted once: their item was not warm
   * yet, or no negatives of its novelty were found (honest labels, MODEL.md).
   */
  public long coldClicks() {
    return coldClicks.sum();
  }

  void example(long user, long item, long category) {
    example = new long[] {user, item, category};
  }

  /** {user, item, category} of an event the job accepted, or null before the first. */
  public long[] example() {
    return example;
  }

  public VariantStats variant(String name) {
    VariantStats v = variants.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no variant " + name + " in run " + runId);
    }
    return v;
  }

  public List<VariantStats> variants() {
    return List.copyOf(variants.values());
  }

  /**
   * The stream's planted ground truth (a generated stream's topics and interests), against which
   * the trainers' probes measure retrieval quality.
   */
  public void plantedTruth(GroundTruth truth) {
    this.plantedTruth = truth;
  }

  /** The stream's planted ground truth, or null when it has none (a dataset file). */
  public GroundTruth plantedTruth() {
    return plantedTruth;
  }

  /** Records the counts now, {@code seconds} after the start (the throughput plot). */
  public synchronized void observe(double seconds) {
    long trained = variants.values().iterator().next().samples();
    timeline.add(new Sample(seconds, replayed.get(), accepted.sum(), trained));
  }

  public synchronized List<Sample> timeline() {
    return List.copyOf(timeline);
  }
}
