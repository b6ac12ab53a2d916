package io.darestream.model.train;

import static io.darestream.model.train.Logistic.crossEntropy;
import static io.darestream.model.train.Logistic.sigmoid;

import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.TrainingSample;
import io.darestream.model.nn.DenseAdam;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prequential training on micro-batches (DESIGN.md section 4): {@link DareForward} scores every
 * sample with the current parameters, the mean binary cross-entropy (plus the weighted auxiliary
 * loss, whose full softmax over all L behaviours the reference code trains with) is backpropagated
 * by {@link DareBackward}, then the row gradients go to each table's sparse optimizer and the dense
 * gradient to Adam.
 *
 * <p>Owns its {@link Workspace}; writes the shared {@link DareParameters}, so nothing may score
 * them meanwhile ({@code DareModel}'s write lock). Not thread-safe.
 */
public final class DareTrainer {
  private final DareConfig cfg;
  private final DareParameters params;
  private final DareForward forward;
  private final DareBackward backward;
  private final DenseAdam denseAdam;
  // The search's co-occurrence loss, or null when its weight is 0.
  private final CooccurrenceLoss cooccurrence;
  private final int maxBatch;
  // Per sample of the batch: the pre-update prediction and dL/dlogit.
  private final float[] predictions;
  private final float[] dLogits;

  public DareTrainer(DareParameters params) {
    this.cfg = params.config();
    this.params = params;
    Workspace ws = new Workspace(params);
    this.forward = new DareForward(params, ws);
    this.backward = new DareBackward(params, ws);
    backward.forward(forward);
    this.denseAdam = params.newDenseAdam();
    this.cooccurrence = cfg.cooccurrenceLossWeight() > 0 ? new CooccurrenceLoss(params) : null;
    this.maxBatch = params.shape().maxBatch();
    this.predictions = new float[maxBatch];
    this.dLogits = new float[maxBatch];
  }

  /** The parameters this trainer updates. */
  public DareParameters parameters() {
    return params;
  }

  /** Prequential step on up to {@code microBatchSize} samples: predict, then update. */
  public BatchResult trainStep(List<TrainingSample> batch) {
    return trainStep(batch, null);
  }

  /**
   * As {@link #trainStep(List)}, except that the row gradients go to {@code rowSink} instead of
   * being applied here (when it is not null): the sharded trainers send them to the rows' owners
   * and learn the updated rows back from them. Dense parameters are updated here either way.
   */
  public BatchResult trainStep(List<TrainingSample> batch, Consumer<RowGradients> rowSink) {
    Gradients g = gradients(batch, true);
    long now = Long.MIN_VALUE;
    for (TrainingSample s : batch) {
      now = Math.max(now, s.eventTimeMs());
    }
    if (rowSink == null) {
      g.rows().apply(now);
    } else {
      rowSink.accept(g.rows());
    }
    denseAdam.step(params.dense(), g.dense());
    long version = params.advanceVersion();
    return new BatchResult(
        Arrays.copyOf(predictions, batch.size()), g.loss(), g.auxiliaryLoss(), version);
  }

  /**
   * Gradient of the batch's mean loss (plus the weighted auxiliary and co-occurrence losses)
   * without applying it; the returned objects are live scratch, valid until the next call.
   * Predictions of the forward pass are kept for {@link #trainStep}.
   */
  public Gradients gradients(List<TrainingSample> batch, boolean withBackward) {
    int bsz = batch.size();
    checkBatch(bsz);
    boolean aux = cfg.auxiliaryLoss();
    backward.clear();
    if (cooccurrence != null) {
      RowGradients rows = withBackward && backward.attentionRole() ? backward.rows() : null;
      cooccurrence.begin(batch, params.version(), rows);
    }
    // The co-occurrence loss runs on each history as the forward gathers it.
    forward.embedBatch(batch, aux, cooccurrence);
    float[] logits = forward.logits(bsz);
    double loss = 0;
    for (int b = 0; b < bsz; b++) {
      int y = batch.get(b).label();
      predictions[b] = sigmoid(logits[b]);
      loss += crossEntropy(logits[b], y);
      dLogits[b] = (predictions[b] - y) / bsz;
    }
    loss /= bsz;
    if (withBackward) {
      backward.mlp(dLogits);
      boolean regather = cfg.straightThroughSearch() && !params.projected();
      for (int b = 0; b < bsz; b++) {
        // The straight-through key gradient scores every behaviour again: gather each history.
        if (regather && (b == 0 || !batch.get(b).sameHistory(batch.get(b - 1)))) {
          forward.gatherHistory(batch.get(b));
        }
        backward.sample(b, false);
      }
    }
    double auxLoss = 0;
    if (aux) {
      // After the main backward: the auxiliary forward reuses the MLP's activations.
      float[] auxLogits = forward.auxLogits(bsz);
      float weight = cfg.auxiliaryLossWeight();
      for (int b = 0; b < bsz; b++) {
        int y = batch.get(b).label();
        auxLoss += crossEntropy(auxLogits[b], y);
        dLogits[b] = weight * (sigmoid(auxLogits[b]) - y) / bsz;
      }
      auxLoss /= bsz;
      if (withBackward) {
        backward.mlp(dLogits);
        for (int b = 0; b < bsz; b++) {
          // The workspace holds the last sample's history: gather each one again.
          if (b == 0 || !batch.get(b).sameHistory(batch.get(b - 1))) {
            forward.gatherHistory(batch.get(b));
          }
          backward.sample(b, true);
        }
      }
    }
    double cooccurrenceLoss = cooccurrence == null ? 0 : cooccurrence.end();
    return backward.gradients(loss, auxLoss, cooccurrenceLoss);
  }

  /**
   * As {@link #gradients(List, boolean)} with the backward, keeping only the row gradients of
   * {@code roles} (diagnostics: the attention and representation shares of a shared table).
   */
  public Gradients gradients(List<TrainingSample> batch, GradientRoles roles) {
    backward.roles(roles);
    try {
      return gradients(batch, true);
    } finally {
      backward.roles(GradientRoles.BOTH);
    }
  }

  /**
   * Mean loss of a batch plus the weighted auxiliary and co-occurrence losses, forward only (for
   * gradient checks).
   */
  public double objective(List<TrainingSample> batch) {
    Gradients g = gradients(batch, false);
    return g.loss()
        + cfg.auxiliaryLossWeight() * g.auxiliaryLoss()
        + cfg.cooccurrenceLossWeight() * g.cooccurrenceLoss();
  }

  private void checkBatch(int bsz) {
    if (bsz == 0 || bsz > maxBatch) {
      throw new IllegalArgumentException("batch size must be in [1, " + maxBatch + "], got " + bsz);
    }
  }
}
