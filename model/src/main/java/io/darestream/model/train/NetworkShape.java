package io.darestream.model.train;

import io.darestream.model.DareConfig;

/**
 * The widths and bounds every part of the network is sized by (DESIGN.md section 4): a token is the
 * concatenation {@code [item | category | position]} of one embedding set, so it is three per-field
 * rows wide.
 *
 * @param dk per-field width of the attention set (E^Att; the shared set for TWIN)
 * @param dr per-field width of the representation set (E^Repr; the shared set for TWIN)
 * @param keyWidth item and category columns of a gathered attention key: {@code 2 dk} (the position
 *     column is added as a per-position bias)
 * @param qDim search query width: {@code 3 dk}
 * @param rDim representation token width: {@code 3 dr}
 * @param xDim MLP input width: {@code [v, u, v*u]} is {@code 3 rDim}
 * @param projDim width in which TWIN_PROJ scores (its attention token width); {@code qDim}
 *     otherwise
 * @param scale the score's {@code 1 / sqrt(projDim)}
 * @param maxL longest history searched
 * @param kCap behaviours the search keeps: {@code min(K, maxL)}
 * @param maxBatch samples per micro-batch
 */
record NetworkShape(
    int dk,
    int dr,
    int keyWidth,
    int qDim,
    int rDim,
    int xDim,
    int projDim,
    float scale,
    int maxL,
    int kCap,
    int maxBatch) {

  static NetworkShape of(DareConfig cfg, int dk, int dr, boolean projected) {
    int qDim = 3 * dk;
    int rDim = 3 * dr;
    int projDim = projected ? cfg.attentionTokenDim() : qDim;
    int maxL = cfg.maxHistory();
    return new NetworkShape(
        dk,
        dr,
        2 * dk,
        qDim,
        rDim,
        3 * rDim,
        projDim,
        (float) (1.0 / Math.sqrt(projDim)),
        maxL,
        Math.min(cfg.topK(), maxL),
        cfg.microBatchSize());
  }
}
