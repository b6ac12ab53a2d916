package io.darestream.app.local;

import io.darestream.app.stats.RetrievalOverTime;
import io.darestream.app.stats.RunStats;
import io.darestream.jobs.train.TrainingProbe;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.generator.GroundTruth;
import java.util.List;

/**
 * Measures a variant's retrieval quality as it trains on a stream with planted ground truth: for
 * every {@value #EVERY}th click, NDCG@K of the behaviours its search picks now, before the model
 * learns from the sample, against the planted topics ({@link RetrievalOverTime}). Runs on the
 * trainer's thread; finds the run's {@link RunStats} by id (Flink serializes the probe with the
 * trainer, so only the id travels). Only meaningful with the MiniCluster, like {@link ScoreSink}.
 */
final class PlantedRetrievalProbe implements TrainingProbe {
  private static final long serialVersionUID = 1L;

  /** One click in this many is measured: a search per measured click costs a fraction of a step. */
  static final int EVERY = 4;

  private final String runId;
  private final String variant;
  private transient long clicks;
  private transient boolean resolved;
  private transient GroundTruth truth;
  private transient RetrievalOverTime retrieval;

  PlantedRetrievalProbe(String runId, String variant) {
    this.runId = runId;
    this.variant = variant;
  }

  @Override
  public void beforeTraining(DareModel model, List<TrainingSample> batch) {
    if (!resolved) {
      // Once, as the score sink resolves its recorder: the run may unregister while the job drains.
      RunStats run = RunStats.of(runId);
      truth = run.plantedTruth();
      retrieval = truth == null ? null : run.variant(variant).retrieval(model.config().topK());
      resolved = true;
    }
    if (truth == null) {
      return;
    }
    for (TrainingSample s : batch) {
      if (s.label() == 1 && clicks++ % EVERY == 0 && covered(truth, s)) {
        retrieval.measure(model, s, truth);
      }
    }
  }

  /**
   * Whether the truth knows the sample's user and items (ids outside it are not the generator's).
   */
  private static boolean covered(GroundTruth truth, TrainingSample s) {
    if (s.userId() < 1 || s.userId() > truth.users() || !isItem(truth, s.targetItem())) {
      return false;
    }
    for (int i = 0; i < s.historyLength(); i++) {
      if (!isItem(truth, s.historyItem(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isItem(GroundTruth truth, long item) {
    return item >= 1 && item <= truth.items();
  }
}
