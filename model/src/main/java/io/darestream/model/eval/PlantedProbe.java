package io.darestream.model.eval;

import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.RetrievalNdcg;
import io.darestream.schemas.generator.GroundTruth;
import java.util.ArrayList;
import java.util.List;

/**
 * Online retrieval quality of a replay: over its last fifth, NDCG@K of the search against the
 * planted truth for every fourth click, measured before the model trains on it (prequential, as the
 * AUC is).
 */
final class PlantedProbe implements OnlineReplay.BatchProbe {
  private static final int EVERY = 4;

  private final GroundTruth truth;
  private final RetrievalNdcg ndcg;
  private final List<TrainingSample> picked = new ArrayList<>();
  private long clicks;

  PlantedProbe(GroundTruth truth, int k) {
    this.truth = truth;
    this.ndcg = new RetrievalNdcg(k);
  }

  @Override
  public void beforeTraining(
      DareModel model, List<TrainingSample> batch, long position, long total) {
    if (position < total * 4 / 5) {
      return;
    }
    picked.clear();
    for (TrainingSample s : batch) {
      if (s.label() == 1 && clicks++ % EVERY == 0) {
        picked.add(s);
      }
    }
    RetrievalQuality.measure(model, picked, null, null, truth, ndcg);
  }

  /** NDCG@K so far, with its random baseline. */
  RetrievalNdcg ndcg() {
    return ndcg;
  }
}
