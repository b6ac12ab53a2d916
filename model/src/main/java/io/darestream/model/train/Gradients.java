package io.darestream.model.train;

import io.darestream.model.nn.DenseGradient;

/**
 * The full gradient of one batch's mean loss: dense blocks plus the sparse rows it touched.
 *
 * @param dense gradient of every dense parameter block
 * @param rows gradient of every embedding row the batch gathered
 * @param loss mean binary cross-entropy of the batch
 * @param auxiliaryLoss mean auxiliary loss (0 when off)
 * @param cooccurrenceLoss mean co-occurrence loss, unweighted (0 when off; {@link
 *     CooccurrenceLoss})
 */
public record Gradients(
    DenseGradient dense,
    RowGradients rows,
    double loss,
    double auxiliaryLoss,
    double cooccurrenceLoss) {}
