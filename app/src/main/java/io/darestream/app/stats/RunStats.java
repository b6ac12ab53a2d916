package io.darestream.app.stats;

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
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong samples = new AtomicLong();
  private final AtomicLong lastAcceptedEventTimeMs = new AtomicLong(Long.MIN_VALUE);

  /** user, item, category of an accepted event: the README's curl example scores it. */
  private volatile long[] example;

  private final Map<String, VariantStats> variants = new LinkedHashMap<>();
  private final List<Sample> timeline = new ArrayList<>();

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

  /** The job accepted one event of this event time. */
  public void acceptedEvent(long eventTimeMs) {
    accepted.incrementAndGet();
    lastAcceptedEventTimeMs.accumulateAndGet(eventTimeMs, Math::max);
  }

  /** The job accepted one record that carries no event time. */
  public void acceptedEvent() {
    accepted.incrementAndGet();
  }

  /** The label join produced one training sample. */
  public void sampleProduced() {
    samples.incrementAndGet();
  }

  public long replayed() {
    return replayed.get();
  }

  /** Events the job accepted (decoded and valid). */
  public long accepted() {
    return accepted.get();
  }

  /** Training samples the sequence stage produced. */
  public long samples() {
    return samples.get();
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

  /** Records the counts now, {@code seconds} after the start (the throughput plot). */
  public synchronized void observe(double seconds) {
    long trained = variants.values().iterator().next().samples();
    timeline.add(new Sample(seconds, replayed.get(), accepted.get(), trained));
  }

  public synchronized List<Sample> timeline() {
    return List.copyOf(timeline);
  }
}
