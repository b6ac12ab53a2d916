package io.darestream.app.local;

import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.VariantStats;
import io.darestream.jobs.train.PrequentialScore;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Hands a trainer's prequential scores to the {@link RunStats} of a local run in the same JVM, for
 * the status line and the report. Only meaningful with the MiniCluster; never used on a cluster.
 * The number of samples trained is checkpointed (see {@link CountingSink}); the scores themselves
 * are not, so the AUCs cover the scores this process saw.
 */
final class ScoreSink
    implements Sink<PrequentialScore>, SupportsWriterState<PrequentialScore, Long> {
  private static final long serialVersionUID = 1L;

  private final String runId;
  private final String variant;

  ScoreSink(String runId, String variant) {
    this.runId = runId;
    this.variant = variant;
  }

  @Override
  public StatefulSinkWriter<PrequentialScore, Long> createWriter(WriterInitContext context) {
    return restoreWriter(context, List.of());
  }

  @Override
  public StatefulSinkWriter<PrequentialScore, Long> restoreWriter(
      WriterInitContext context, Collection<Long> recoveredState) {
    VariantStats stats = RunStats.of(runId).variant(variant);
    AtomicLong trained =
        stats
            .trainedCounts()
            .restart(
                context.getTaskInfo().getIndexOfThisSubtask(), CountState.restored(recoveredState));
    return new StatefulSinkWriter<>() {
      @Override
      public void write(PrequentialScore s, Context context) {
        trained.incrementAndGet();
        stats.add(s.eventTimeMs, s.prediction, s.label, s.modelVersion);
      }

      @Override
      public List<Long> snapshotState(long checkpointId) {
        return List.of(trained.get());
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }

  @Override
  public SimpleVersionedSerializer<Long> getWriterStateSerializer() {
    return CountState.SERIALIZER;
  }
}
