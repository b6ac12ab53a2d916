package io.darestream.jobs.bench;

import io.darestream.jobs.train.PrequentialScore;
import io.darestream.model.metrics.Auc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * The prequential scores of a bench's job, kept in the bench's own JVM (the job runs in its
 * MiniCluster): a sink chained to each trainer that counts the scores as they are made (so a bench
 * can time a window of them while the job runs) and hands its predictions and labels over when its
 * input ends. Unlike {@code executeAndCollect}, it costs the job next to nothing and never holds
 * the trainers back waiting for a client to fetch. One job per JVM.
 */
final class BenchScores {
  private static final LongAdder SCORED = new LongAdder();
  private static final List<Part> PARTS = new ArrayList<>();

  /** One writer's predictions and labels. */
  private record Part(float[] predictions, int[] labels) {}

  private BenchScores() {}

  /** Scores made so far, by every trainer. */
  static long scored() {
    return SCORED.sum();
  }

  /** The sink. */
  static Sink<PrequentialScore> sink() {
    return new ScoreSink();
  }

  /** The prequential AUC of every writer's scores (call once the job has finished). */
  static synchronized double auc() {
    int n = PARTS.stream().mapToInt(p -> p.predictions.length).sum();
    float[] predictions = new float[n];
    int[] labels = new int[n];
    int o = 0;
    for (Part p : PARTS) {
      System.arraycopy(p.predictions, 0, predictions, o, p.predictions.length);
      System.arraycopy(p.labels, 0, labels, o, p.labels.length);
      o += p.predictions.length;
    }
    return Auc.compute(predictions, labels, n);
  }

  /** Scores handed over by writers whose input ended. */
  static synchronized long handedOver() {
    return PARTS.stream().mapToLong(p -> p.predictions.length).sum();
  }

  private static synchronized void add(float[] predictions, int[] labels) {
    PARTS.add(new Part(predictions, labels));
  }

  private static final class ScoreSink implements Sink<PrequentialScore> {
    private static final long serialVersionUID = 1L;

    @Override
    public SinkWriter<PrequentialScore> createWriter(WriterInitContext context) {
      return new SinkWriter<>() {
        private float[] predictions = new float[1024];
        private int[] labels = new int[1024];
        private int n;

        @Override
        public void write(PrequentialScore s, Context c) {
          if (n == predictions.length) {
            predictions = Arrays.copyOf(predictions, 2 * n);
            labels = Arrays.copyOf(labels, 2 * n);
          }
          predictions[n] = s.prediction;
          labels[n] = s.label;
          n++;
          SCORED.increment();
        }

        @Override
        public void flush(boolean endOfInput) {
          if (endOfInput) {
            add(Arrays.copyOf(predictions, n), Arrays.copyOf(labels, n));
            n = 0;
          }
        }

        @Override
        public void close() {}
      };
    }
  }
}
