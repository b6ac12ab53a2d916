package io.darestream.jobs.train;

import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import java.io.Serializable;
import java.util.List;

/**
 * Sees each micro-batch with the model just before the trainer learns from it, on the trainer's
 * thread: a prequential measurement of what the model does on samples it has not trained on (the
 * local runner's retrieval quality against a stream's planted truth). It must not change the model
 * and must not fail: an exception fails the trainer task. Serialized with the trainer operator.
 */
@FunctionalInterface
public interface TrainingProbe extends Serializable {
  /** A probe that looks at nothing (the default). */
  TrainingProbe NONE = (model, batch) -> {};

  /**
   * @param model the model, not yet trained on {@code batch}; read it only
   * @param batch the samples about to be trained, in arrival order
   */
  void beforeTraining(DareModel model, List<TrainingSample> batch);
}
