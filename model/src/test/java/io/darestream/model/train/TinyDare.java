package io.darestream.model.train;

import io.darestream.model.DareConfig;
import io.darestream.model.Variant;

/** A DARE config small enough to follow a single sample through by hand: K = 3 of L = 8. */
final class TinyDare {
  private TinyDare() {}

  static DareConfig.Builder config() {
    return DareConfig.builder()
        .variant(Variant.DARE)
        .attentionDim(4)
        .representationDim(4)
        .topK(3)
        .maxHistory(8)
        .hiddenSizes(6, 4)
        .microBatchSize(4)
        .initStd(0.5f)
        .attentionInitStd(0.5f)
        // Without the search's own terms, whatever the defaults: the tests add them.
        .searchLogitWeight(0f)
        .exactMatch(false)
        .cooccurrenceLossWeight(0f)
        .seed(3);
  }
}
