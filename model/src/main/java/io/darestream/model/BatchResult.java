package io.darestream.model;

/**
 * What one prequential training step returns: every sample's prediction made <b>before</b> the
 * update (for streaming AUC/GAUC/logloss), the batch's mean losses and the model version after it.
 *
 * @param predictions click probabilities in batch order, scored before training on them
 * @param loss mean binary cross-entropy of {@code predictions}
 * @param auxiliaryLoss mean auxiliary full-softmax loss, 0 when the switch is off
 * @param version model version after the update
 */
public record BatchResult(float[] predictions, double loss, double auxiliaryLoss, long version) {}
