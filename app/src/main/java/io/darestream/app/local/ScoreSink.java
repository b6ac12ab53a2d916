package io.darestream.app.local;

import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.VariantStats;
import io.darestream.jobs.train.PrequentialScore;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Hands a trainer's prequential scores to the {@link RunStats} of a local run in the same JVM, for
 * the status line and the report. Only meaningful with the MiniCluster; never used on a cluster.
 */
final class ScoreSink implements Sink<PrequentialScore> {
  private static final long serialVersionUID = 1L;

  private final String runId;
  private final String variant;

  ScoreSink(String runId, String variant) {
    this.runId = runId;
    this.variant = variant;
  }

  @Override
  public SinkWriter<PrequentialScore> createWriter(WriterInitContext context) {
    VariantStats stats = RunStats.of(runId).variant(variant);
    return new SinkWriter<>() {
      @Override
      public void write(PrequentialScore s, Context context) {
        stats.add(s.eventTimeMs, s.prediction, s.label, s.modelVersion);
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }
}
