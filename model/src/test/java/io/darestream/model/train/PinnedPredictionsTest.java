package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Samples;
import io.darestream.model.SparseOptimizerKind;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pins the bits of a fixed seeded prequential run (predictions and losses of every step, then
 * scores after training): performance work on the training step must not change a single bit.
 * Re-taken deliberately twice: when the row initialisation became the quantile table, and when the
 * MLP moved to fused multiply-add chains ({@link io.darestream.model.nn.Gemm}). The same bits come
 * out with and without the Vector API ({@code -Ddare.vector=false}); {@code GemmTest} checks the
 * kernels against each other directly.
 */
class PinnedPredictionsTest {
  @ParameterizedTest
  @CsvSource({
    "DARE, false, 1, 0, 0x30bdf69da4ff658aL",
    "DARE, true, 2, 0, 0xeb7d5c1625f797acL",
    "TWIN, false, 1, 0, 0x994b4e8cdb5bcb72L",
    "TWIN_PROJ, true, 1, 0, 0xf13cb542914bd7f7L",
    "DARE, false, 1, 1, 0x6e6b5ed26f8ca2f3L",
    "DARE, false, 1, 2, 0x5a55b5bb8b685a0cL",
  })
  void prequentialRunIsBitIdentical(
      Variant variant, boolean aux, int admission, int shareHistories, String expected) {
    DareConfig cfg =
        DareConfig.builder()
            .variant(variant)
            .attentionDim(variant == Variant.DARE ? 4 : 6)
            .representationDim(6)
            .topK(5)
            .maxHistory(24)
            .hiddenSizes(16, 8)
            // Mode 2: batches of 210 in one micro-batch, several sample blocks of the MLP.
            .microBatchSize(shareHistories == 2 ? 256 : 32)
            .auxiliaryLoss(aux)
            .admissionMinCount(admission)
            .sparseOptimizer(
                admission == 2 ? SparseOptimizerKind.ADAGRAD : SparseOptimizerKind.ADAM)
            .seed(11)
            .build();
    DareModel model = DareModel.create(cfg);
    long h = 0x12345L;
    for (int step = 0; step < 8; step++) {
      List<TrainingSample> data = Samples.random(70, 60, 30, 100 + step);
      if (shareHistories >= 1) {
        List<TrainingSample> shared = new ArrayList<>();
        for (TrainingSample s : data) {
          shared.add(s);
          shared.add(s.withTarget(s.targetItem() + 7, (s.targetItem() + 7) % 5, 0));
          shared.add(s.withTarget(s.targetItem() + 13, (s.targetItem() + 13) % 5, 0));
        }
        data = shared;
      }
      BatchResult r = model.trainBatch(data);
      for (float p : r.predictions()) {
        h = mix(h, Float.floatToRawIntBits(p));
      }
      h = mix(h, Double.doubleToRawLongBits(r.loss()));
      h = mix(h, Double.doubleToRawLongBits(r.auxiliaryLoss()));
    }
    for (float p : model.score(Samples.random(50, 80, 40, 999))) {
      h = mix(h, Float.floatToRawIntBits(p));
    }
    assertThat("0x" + Long.toHexString(h) + "L").isEqualTo(expected);
  }

  private static long mix(long h, long v) {
    long z = h * 0x9E3779B97F4A7C15L + v;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    return z ^ (z >>> 27);
  }
}
