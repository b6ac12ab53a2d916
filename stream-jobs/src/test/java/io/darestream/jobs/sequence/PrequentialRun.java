package io.darestream.jobs.sequence;

import io.darestream.jobs.train.OnlineTrainer;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.Auc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Online trainers fed the same samples in the same order (as the job's side-by-side variants are),
 * each keeping every prequential prediction and its label: the trainer the job runs, without Flink.
 */
final class PrequentialRun {
  private final List<OnlineTrainer> trainers = new ArrayList<>();
  private final List<Scores> scores = new ArrayList<>();

  PrequentialRun(List<DareConfig> models) {
    for (DareConfig config : models) {
      trainers.add(
          new OnlineTrainer(
              DareModel.create(config), "m", 1, config.microBatchSize(), 100_000, 10_000));
      scores.add(new Scores());
    }
  }

  /** Buffers {@code sample} in every trainer; trains the micro-batches that are full. */
  void add(TrainingSample sample) {
    for (int m = 0; m < trainers.size(); m++) {
      if (trainers.get(m).add(sample)) {
        scores.get(m).addAll(trainers.get(m).trainPending());
      }
    }
  }

  /** Trains what is still buffered. */
  void finish() {
    for (int m = 0; m < trainers.size(); m++) {
      scores.get(m).addAll(trainers.get(m).trainPending());
    }
  }

  DareModel model(int m) {
    return trainers.get(m).model();
  }

  Scores scores(int m) {
    return scores.get(m);
  }

  /** Prequential predictions of one model, in the order they were made. */
  static final class Scores {
    private float[] predictions = new float[1024];
    private int[] labels = new int[1024];
    private int n;

    void addAll(List<PrequentialScore> batch) {
      for (PrequentialScore s : batch) {
        if (n == predictions.length) {
          predictions = Arrays.copyOf(predictions, 2 * n);
          labels = Arrays.copyOf(labels, 2 * n);
        }
        predictions[n] = s.prediction;
        labels[n] = s.label;
        n++;
      }
    }

    int size() {
      return n;
    }

    long positives() {
      long p = 0;
      for (int i = 0; i < n; i++) {
        p += labels[i];
      }
      return p;
    }

    /** AUC over every prediction. */
    double auc() {
      return Auc.compute(predictions, labels, n);
    }

    /** AUC over the last {@code last} predictions (all of them if fewer). */
    double aucOfLast(int last) {
      int from = Math.max(0, n - last);
      return Auc.compute(
          Arrays.copyOfRange(predictions, from, n), Arrays.copyOfRange(labels, from, n), n - from);
    }
  }
}
