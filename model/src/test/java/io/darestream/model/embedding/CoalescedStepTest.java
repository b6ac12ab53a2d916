package io.darestream.model.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.SparseOptimizerKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A row gradient that sums k micro-batches (the sharded stage's coalesced window) moves the row as
 * k micro-batch steps would: with equal micro-batch gradients, bit for bit.
 */
class CoalescedStepTest {
  private static final int DIM = 8;
  private static final int K = 4;

  @ParameterizedTest
  @EnumSource(
      value = SparseOptimizerKind.class,
      names = {"ADAM", "ADAGRAD"})
  void aSumOfKMicroBatchesStepsKTimesWithTheMean(SparseOptimizerKind kind) {
    SparseOptimizer optimizer = SparseOptimizer.of(kind, 0.01f);
    int slots = optimizer.slotWidth(DIM);
    // Powers of two: the sum divided by K is the micro-batch gradient exactly.
    float[] perBatch = new float[DIM];
    float[] sum = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      perBatch[j] = (j % 2 == 0 ? 1 : -1) * (float) Math.scalb(1.0, -j);
      sum[j] = K * perBatch[j];
    }

    float[] wSteps = initialRow();
    float[] sSteps = new float[slots];
    for (int k = 0; k < K; k++) {
      optimizer.step(wSteps, 0, sSteps, 0, DIM, perBatch, 0);
    }
    float[] wCoalesced = initialRow();
    float[] sCoalesced = new float[slots];
    optimizer.step(wCoalesced, 0, sCoalesced, 0, DIM, sum, 0, K);

    assertThat(wCoalesced).containsExactly(wSteps);
    assertThat(sCoalesced).containsExactly(sSteps);
    // Adam moves a row about lr per step whatever the gradient's scale: K steps go K times as far
    // as one step on the sum would (the owners' behaviour before).
    float[] wOnce = initialRow();
    optimizer.step(wOnce, 0, new float[slots], 0, DIM, sum, 0);
    assertThat(Math.abs(wCoalesced[0] - initialRow()[0]))
        .isGreaterThan(2 * Math.abs(wOnce[0] - initialRow()[0]));
  }

  @ParameterizedTest
  @EnumSource(
      value = SparseOptimizerKind.class,
      names = {"ADAM", "ADAGRAD"})
  void oneContributionIsOneStep(SparseOptimizerKind kind) {
    SparseOptimizer optimizer = SparseOptimizer.of(kind, 0.01f);
    float[] g = {0.3f, -0.2f, 0.1f, 0f, 1f, -1f, 0.5f, 2f};
    float[] w1 = initialRow();
    float[] s1 = new float[optimizer.slotWidth(DIM)];
    optimizer.step(w1, 0, s1, 0, DIM, g, 0);
    float[] w2 = initialRow();
    float[] s2 = new float[optimizer.slotWidth(DIM)];
    optimizer.step(w2, 0, s2, 0, DIM, g, 0, 1);
    assertThat(w2).containsExactly(w1);
    assertThat(s2).containsExactly(s1);
  }

  private static float[] initialRow() {
    float[] w = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      w[j] = 0.01f * (j - 3);
    }
    return w;
  }
}
