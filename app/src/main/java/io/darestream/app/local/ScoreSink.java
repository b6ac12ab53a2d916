package io.darestream.app.local;

import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.VariantStats;
import io.darestream.jobs.train.PrequentialScore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Hands a trainer's prequential scores to the {@link RunStats} of a local run in the same JVM, for
 * the status line and the report. Only meaningful with the MiniCluster; never used on a cluster.
 * The number of samples trained is checkpointed (see {@link CheckpointedCountSink}); the scores
 * themselves are not, so the AUCs cover the scores this process saw.
 */
final class ScoreSink extends CheckpointedCountSink<PrequentialScore> {
  private static final long serialVersionUID = 1L;

  private final String variant;

  ScoreSink(String runId, String variant) {
    super(runId);
    this.variant = variant;
  }

  @Override
  AtomicLong restartCount(int subtask, long restored) {
    return RunStats.of(runId).variant(variant).trainedCounts().restart(subtask, restored);
  }

  @Override
  Consumer<PrequentialScore> recorder() {
    VariantStats stats = RunStats.of(runId).variant(variant);
    return s -> stats.add(s.eventTimeMs, s.prediction, s.label, s.modelVersion);
  }
}
