package io.darestream.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.train.DareTrainer;
import io.darestream.model.train.Gradients;
import java.util.List;
import org.assertj.core.data.Offset;
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
  private static final double ABSOLUTE = 2e-6;
  private static final double RELATIVE = 2e-4;

  @BeforeAll
  static void pytorchLoads() {
    String failure = null;
    try {
      Engine.getEngine("PyTorch");
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      failure = e.toString();
    }
    assumeTrue(
        failure == null,
        "DJL's PyTorch native library cannot be loaded here, so the parity cannot run: " + failure);
  }

  static Device device() {
    return "gpu".equals(System.getProperty("dare.djl.device")) ? Device.gpu() : Device.cpu();
  }

  @ParameterizedTest(name = "{0}, aux={3}")
  @CsvSource({
    "DARE,3,4,false",
    "DARE,3,4,true",
    "TWIN,4,4,false",
    "TWIN,4,4,true",
    "TWIN_PROJ,2,3,false",
    "TWIN_PROJ,2,3,true"
  })
  void lossesAndGradientsAgreeWithTheJavaEngine(Variant variant, int att, int repr, boolean aux) {
    DareModel model = DareModel.create(config(variant, att, repr, aux));
    DareTrainer java = model.trainer();
    for (int step = 0; step < 3; step++) {
      java.trainStep(Samples.random(16, 20, 12, 200 + step));
    }
    List<TrainingSample> batch = Samples.random(16, 20, 12, 21);
    try (DjlBatchEngine djl = new DjlBatchEngine(java.parameters(), device())) {
      Gradients expected = java.gradients(batch, true);
      Gradients actual = djl.gradients(batch);
      assertThat(actual.loss()).as("loss").isCloseTo(expected.loss(), within(expected.loss()));
      assertThat(actual.auxiliaryLoss())
          .as("auxiliary loss")
          .isCloseTo(expected.auxiliaryLoss(), within(expected.auxiliaryLoss()));
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
  void anEmptyBatchIsRefused() {
    DareModel model = DareModel.create(config(Variant.DARE, 3, 4, false));
    try (DjlBatchEngine djl = new DjlBatchEngine(model.trainer().parameters(), device())) {
      assertThatThrownBy(() -> djl.trainStep(List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("empty batch");
    }
  }

  static DareConfig config(Variant variant, int att, int repr, boolean aux) {
    return DareConfig.builder()
        .variant(variant)
        .attentionDim(att)
        .representationDim(repr)
        .topK(3)
        .maxHistory(8)
        .hiddenSizes(6, 4)
        .microBatchSize(16)
        .initStd(0.5f)
        .auxiliaryLoss(aux)
        .auxiliaryLossWeight(0.5f)
        .seed(7)
        .build();
  }

  private static Offset<Double> within(double value) {
    return Offset.offset(ABSOLUTE + RELATIVE * Math.abs(value));
  }

  private static void assertClose(String what, float[] expected, float[] actual) {
    assertThat(actual).as("%s length", what).hasSameSizeAs(expected);
    double scale = 0;
    for (float f : expected) {
      scale = Math.max(scale, Math.abs(f));
    }
    for (int i = 0; i < expected.length; i++) {
      double tol = ABSOLUTE + RELATIVE * Math.max(Math.abs(expected[i]), scale);
      assertThat((double) actual[i])
          .as("%s[%d] (Java %s, DJL %s)", what, i, expected[i], actual[i])
          .isCloseTo(expected[i], Offset.offset(tol));
    }
  }
}
