package io.darestream.model.eval;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.Auc;
import io.darestream.model.metrics.Gauc;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Trains a model on a {@link ProtocolSplit} for up to {@code epochs} shuffled passes and reports
 * the test metrics of the epoch with the best validation AUC.
 */
public final class OfflineEvaluation {
  private OfflineEvaluation() {}

  public static EvalResult run(DareConfig config, ProtocolSplit split, int epochs) {
    long start = System.nanoTime();
    DareModel model = DareModel.create(config);
    List<TrainingSample> train = new ArrayList<>(split.train());
    Random shuffle = new Random(config.seed());
    double bestVal = Double.NEGATIVE_INFINITY;
    double[] best = null;
    int bestEpoch = 0;
    for (int epoch = 1; epoch <= epochs; epoch++) {
      Collections.shuffle(train, shuffle);
      model.trainBatch(train);
      double val = metrics(model, split.validation())[0];
      if (val > bestVal) {
        bestVal = val;
        best = metrics(model, split.test());
        bestEpoch = epoch;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new EvalResult(bestVal, best[0], best[1], best[2], bestEpoch, seconds);
  }

  /** AUC, GAUC and logloss of {@code samples}. */
  static double[] metrics(DareModel model, List<TrainingSample> samples) {
    float[] p = model.score(samples);
    int n = samples.size();
    int[] y = new int[n];
    long[] users = new long[n];
    double loss = 0;
    for (int i = 0; i < n; i++) {
      TrainingSample s = samples.get(i);
      y[i] = s.label();
      users[i] = s.userId();
      double q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]));
      loss -= y[i] == 1 ? Math.log(q) : Math.log(1 - q);
    }
    return new double[] {Auc.compute(p, y, n), Gauc.compute(users, p, y, n), loss / n};
  }
}
