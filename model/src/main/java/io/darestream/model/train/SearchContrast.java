package io.darestream.model.train;

import io.darestream.model.search.TopK;

/**
 * The search-contrast loss ({@code DareConfig#searchContrastWeight}): per sample, {@code z = log
 * sum_r exp(s_r)} over the attention scores of every behaviour of the history against the target's
 * query, and a logistic loss of {@code z - c} against the label, where {@code c} is the running
 * mean of {@code z} (no gradient). A click pulls the target's attention rows and those of the
 * history's best-matching behaviours together, a non-click pushes them apart, weighted by the
 * softmax over all L: unlike the main loss, whose attention gradient reaches only the top K picks
 * and only through {@code <dL/dubar, R_r>}, it moves every behaviour's attention row whether or not
 * the search picked it and whatever the representation rows have learnt.
 */
final class SearchContrast {
  /** Weight of a batch's mean {@code z} in the running centre. */
  private static final double CENTRE_RATE = 0.05;

  private final float weight;
  private final float scale;
  private final Workspace ws;
  private final DareForward forward;
  private final DareBackward backward;
  private double centre = Double.NaN;
  private double batchSum;

  SearchContrast(
      float weight, float scale, Workspace ws, DareForward forward, DareBackward backward) {
    this.weight = weight;
    this.scale = scale;
    this.ws = ws;
    this.forward = forward;
    this.backward = backward;
  }

  /**
   * Sample {@code b} of a batch of {@code bsz}, right after its forward (its query and history are
   * in the workspace): scores every behaviour and adds the loss's row gradients.
   */
  void sample(int b, int label, int bsz) {
    TopK all = ws.all;
    ws.kernel.scoreEvery(ws.query, ws.history, forward.positionBias(), scale, all);
    int n = all.size();
    if (n == 0) {
      return;
    }
    float max = Float.NEGATIVE_INFINITY;
    for (int r = 0; r < n; r++) {
      max = Math.max(max, all.score(r));
    }
    double sum = 0;
    for (int r = 0; r < n; r++) {
      sum += Math.exp(all.score(r) - max);
    }
    double z = max + Math.log(sum);
    batchSum += z;
    if (Double.isNaN(centre)) {
      centre = z;
    }
    double p = 1 / (1 + Math.exp(-(z - centre)));
    float dz = (float) (weight * (p - label) / bsz);
    backward.searchContrast(b, dz, max, (float) sum);
  }

  /** Moves the centre toward the batch's mean {@code z}. */
  void endBatch(int bsz) {
    centre += CENTRE_RATE * (batchSum / bsz - centre);
    batchSum = 0;
  }
}
