package io.darestream.model.train;

import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.Explanation;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.nn.DenseParameters;
import java.util.List;

/**
 * Transitional facade over {@link DareParameters}, {@link DareTrainer} and {@link DareScorer}
 * (removed once {@code DareModel} uses them directly). Not thread-safe; {@link #scorer()} gives
 * further views for concurrent scoring.
 */
public final class DareNetwork {
  private final DareParameters params;
  private final DareTrainer trainer;
  private final DareScorer scorer;

  public DareNetwork(DareConfig cfg) {
    this.params = new DareParameters(cfg);
    this.trainer = new DareTrainer(params);
    this.scorer = new DareScorer(params);
  }

  private DareNetwork(DareParameters params) {
    this.params = params;
    this.trainer = null;
    this.scorer = new DareScorer(params);
  }

  public DareConfig config() {
    return params.config();
  }

  /** A scoring-only view over the same parameters with a workspace of its own. */
  public DareNetwork scorer() {
    return new DareNetwork(params);
  }

  public List<EmbeddingTable> tables() {
    return params.tables();
  }

  public DenseParameters dense() {
    return params.dense();
  }

  public long version() {
    return params.version();
  }

  public void setVersion(long version) {
    params.setVersion(version);
  }

  public BatchResult trainStep(List<TrainingSample> batch) {
    return training().trainStep(batch);
  }

  public Gradients gradients(List<TrainingSample> batch, boolean withBackward) {
    return training().gradients(batch, withBackward);
  }

  public double objective(List<TrainingSample> batch) {
    return training().objective(batch);
  }

  public float[] predict(List<TrainingSample> samples) {
    return scorer.predict(samples);
  }

  public float[] score(
      long[] historyItems,
      long[] historyCategories,
      long[] candidateItems,
      long[] candidateCategories,
      List<Explanation> explain) {
    return scorer.score(
        historyItems, historyCategories, candidateItems, candidateCategories, explain);
  }

  private DareTrainer training() {
    if (trainer == null) {
      throw new IllegalStateException("a scoring view does not train");
    }
    return trainer;
  }
}
