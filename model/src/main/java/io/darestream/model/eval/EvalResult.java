package io.darestream.model.eval;

/**
 * Test metrics of one trained model, taken at the epoch with the best validation AUC.
 *
 * @param validationAuc best validation AUC
 * @param auc test AUC
 * @param gauc test GAUC
 * @param logloss test logloss
 * @param epoch 1-based epoch that was kept
 * @param seconds wall time of training and evaluation
 */
public record EvalResult(
    double validationAuc, double auc, double gauc, double logloss, int epoch, double seconds) {}
