package io.darestream.model.djl;

import static io.darestream.model.djl.DjlParity.assertClose;
import static io.darestream.model.djl.DjlParity.within;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.train.DareParameters;
import io.darestream.model.train.DareTrainer;
import io.darestream.model.train.Gradients;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Parity of the two batch engines (issue #20 point 4): on the same batch and parameters, {@link
 * DjlBatchEngine} and the Java engine ({@code DareTrainer}) give the same loss, auxiliary loss,
 * dense gradient and row gradients (the same rows, the same values within float tolerance) for
 * DARE, TWIN and TWIN_PROJ with and without the auxiliary loss, and a training step by each leaves
 * the same parameters. Runs on the CPU; {@code -Ddare.djl.device=gpu} runs it on CUDA
 * (scripts/djl-gpu-check.sh).
 */
class DjlBatchEngineTest {
  @BeforeAll
  static void pytorchLoads() {
    DjlParity.assumePytorchLoads("the parity");
  }

  static Device device() {
    return "gpu".equals(System.getProperty("dare.djl.device")) ? Device.gpu() : Device.cpu();
  }

  @DjlParity.EachVariant
  void lossesAndGradientsAgreeWithTheJavaEngine(Variant variant, int att, int repr, boolean aux) {
    assertSameGradients(DjlParity.trainedModel(config(variant, att, repr, aux), 16, 20, 12, 200));
  }

  /** With the search's logit term and its exact-match terms (β, γ set away from 0). */
  @ParameterizedTest(name = "{0} aux={3}")
  @CsvSource({"DARE,3,4,false", "DARE,3,4,true", "TWIN,4,4,false", "TWIN_PROJ,2,3,true"})
  void theSearchTermsAgreeWithTheJavaEngine(Variant variant, int att, int repr, boolean aux) {
    DareConfig cfg =
        config(variant, att, repr, aux).toBuilder()
            .searchLogitWeight(1.5f)
            .exactMatch(true)
            .build();
    DareModel model = DjlParity.trainedModel(cfg, 16, 20, 12, 200);
    model.writeDense(new DenseBlock(DareParameters.EXACT_MATCH_BLOCK, new float[] {0.7f, -0.4f}));
    assertSameGradients(model);
  }

  /** With the search's co-occurrence loss (the Java kernel in both: the same rows either way). */
  @ParameterizedTest(name = "{0} aux={3}")
  @CsvSource({"DARE,3,4,false", "TWIN,4,4,true"})
  void theCooccurrenceLossAgreesWithTheJavaEngine(Variant variant, int att, int repr, boolean aux) {
    DareConfig cfg =
        config(variant, att, repr, aux).toBuilder()
            .searchLogitWeight(1f)
            .exactMatch(true)
            .cooccurrenceLossWeight(1.5f)
            .build();
    DareModel model = DjlParity.trainedModel(cfg, 16, 20, 12, 200);
    assertThat(model.trainer().gradients(Samples.random(16, 20, 12, 21), true).cooccurrenceLoss())
        .as("the loss runs on this batch")
        .isPositive();
    assertSameGradients(model);
  }

  private static void assertSameGradients(DareModel model) {
    DareTrainer java = model.trainer();
    List<TrainingSample> batch = Samples.random(16, 20, 12, 21);
    try (DjlBatchEngine djl = new DjlBatchEngine(java.parameters(), device())) {
      Gradients expected = java.gradients(batch, true);
      Gradients actual = djl.gradients(batch);
      assertThat(actual.loss()).as("loss").isCloseTo(expected.loss(), within(expected.loss()));
      assertThat(actual.auxiliaryLoss())
          .as("auxiliary loss")
          .isCloseTo(expected.auxiliaryLoss(), within(expected.auxiliaryLoss()));
      assertThat(actual.cooccurrenceLoss())
          .as("co-occurrence loss")
          .isCloseTo(expected.cooccurrenceLoss(), within(expected.cooccurrenceLoss()));
      for (String name : model.dense().names()) {
        assertClose(name, expected.dense().block(name), actual.dense().block(name));
      }
      int rows = 0;
      for (EmbeddingTable t : model.tables()) {
        assertThat(actual.rows().ids(t))
            .as("rows of %s with a gradient", t.name())
            .containsExactlyInAnyOrder(expected.rows().ids(t));
        for (long id : expected.rows().ids(t)) {
          assertClose(
              t.name() + "[" + id + "]", expected.rows().get(t, id), actual.rows().get(t, id));
          rows++;
        }
      }
      assertThat(rows).as("rows compared").isGreaterThan(25);
    }
  }

  @Test
  void aTrainingStepLeavesTheSameParametersAsTheJavaEngine() {
    DareConfig cfg = config(Variant.DARE, 3, 4, true);
    DareModel viaJava = DareModel.create(cfg);
    DareModel viaDjl = DareModel.create(cfg);
    List<TrainingSample> batch = Samples.random(16, 20, 12, 5);
    BatchResult expected = viaJava.trainer().trainStep(batch);
    BatchResult actual;
    try (DjlBatchEngine djl = new DjlBatchEngine(viaDjl.trainer().parameters(), device())) {
      actual = djl.trainStep(batch);
    }
    assertThat(actual.version()).isEqualTo(expected.version());
    assertClose("predictions", expected.predictions(), actual.predictions());
    for (String name : viaJava.dense().names()) {
      assertClose(name, viaJava.dense().block(name).values(), viaDjl.dense().block(name).values());
    }
    for (EmbeddingTable t : viaJava.tables()) {
      EmbeddingTable other = viaDjl.table(t.name());
      assertThat(other.ids()).as("rows of %s", t.name()).containsExactlyInAnyOrder(t.ids());
      for (long id : t.ids()) {
        float[] a = new float[t.dim()];
        float[] b = new float[t.dim()];
        t.copyWeights(id, a, 0);
        other.copyWeights(id, b, 0);
        assertClose(t.name() + "[" + id + "]", a, b);
      }
    }
  }

  @Test
  void settingsItDoesNotComputeAreRefused() {
    DareConfig cfg =
        config(Variant.DARE, 3, 4, true).toBuilder()
            .auxiliarySamples(2)
            .attentionPositions(false)
            .build();
    DareModel model = DareModel.create(cfg);
    assertThatThrownBy(() -> new DjlBatchEngine(model.trainer().parameters(), device()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the sampled auxiliary softmax (auxiliarySamples 2)")
        .hasMessageContaining("an attention token without its position field");
    DareModel straightThrough =
        DareModel.create(
            config(Variant.DARE, 3, 4, false).toBuilder()
                .straightThroughSearch(true)
                .searchLogitWeight(0f)
                .build());
    assertThatThrownBy(() -> new DjlBatchEngine(straightThrough.trainer().parameters(), device()))
        .hasMessageContaining("the straight-through search");
  }

  @Test
  void anEmptyBatchIsRefused() {
    DareModel model = DareModel.create(config(Variant.DARE, 3, 4, false));
    try (DjlBatchEngine djl = new DjlBatchEngine(model.trainer().parameters(), device())) {
      assertThatThrownBy(() -> djl.trainStep(List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("empty batch");
    }
  }

  static DareConfig config(Variant variant, int att, int repr, boolean aux) {
    return DjlParity.config(variant, att, repr, aux, 8, 16);
  }
}
