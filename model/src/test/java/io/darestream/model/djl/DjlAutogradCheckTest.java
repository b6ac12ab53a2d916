package io.darestream.model.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.train.DareTrainer;
import io.darestream.model.train.Gradients;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DJL's autograd checks the hand-written backward ({@code DareBackward}, issue #20 point 5): the
 * same batch's loss, written again as a DJL graph ({@link DjlDareGraph}) from the model's current
 * rows and dense blocks with the Java engine's top-K picks, must give the Java engine's loss and
 * every gradient: each MLP weight, bias and PReLU slope, the TWIN_PROJ projections, and every
 * embedding row the batch gathered in both table sets (rows the Java engine left without a gradient
 * must get zero from DJL too), for DARE, TWIN and TWIN_PROJ, with and without the auxiliary loss.
 */
class DjlAutogradCheckTest {
  // Both sides compute in float; sums run in different orders.
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
        "DJL's PyTorch native library cannot be loaded here, so the check cannot run: " + failure);
  }

  @ParameterizedTest(name = "{0}, aux={3}")
  @CsvSource({
    "DARE,3,4,false",
    "DARE,3,4,true",
    "TWIN,3,3,false",
    "TWIN,3,3,true",
    "TWIN_PROJ,2,3,false",
    "TWIN_PROJ,2,3,true"
  })
  void javaGradientsEqualDjlAutograd(Variant variant, int att, int repr, boolean aux) {
    DareModel model = DareModel.create(config(variant, att, repr, aux));
    // Train a few steps first so that the MLP, PReLU slopes and projections are off their init.
    DareTrainer trainer = model.trainer();
    for (int step = 0; step < 3; step++) {
      trainer.trainStep(Samples.random(8, 15, 10, 100 + step));
    }
    List<TrainingSample> batch = Samples.random(8, 15, 10, 11);
    int[][] picks = picksOf(model, batch);
    Gradients java = trainer.gradients(batch, true);

    try (NDManager nd = NDManager.newBaseManager("PyTorch");
        DjlDareGraph djl = new DjlDareGraph(nd, trainer.parameters())) {
      djl.run(batch, picks);

      assertThat(djl.loss()).as("loss").isCloseTo(java.loss(), within(java.loss()));
      assertThat(djl.auxiliaryLoss())
          .as("auxiliary loss")
          .isCloseTo(java.auxiliaryLoss(), within(java.auxiliaryLoss()));
      int compared = 0;
      double attentionNorm = 0;
      for (String name : model.dense().names()) {
        compared += assertClose(name, java.dense().block(name), djl.denseGradient(name));
      }
      for (EmbeddingTable t : model.tables()) {
        for (long id : java.rows().ids(t)) {
          assertThat(djl.ids(t))
              .as("%s row %d has a Java gradient but was not read", t.name(), id)
              .contains(id);
        }
        for (long id : djl.ids(t)) {
          float[] javaRow = java.rows().get(t, id);
          float[] expected = javaRow == null ? new float[t.dim()] : javaRow;
          float[] actual = djl.rowGradient(t, id);
          compared += assertClose(t.name() + "[" + id + "]", expected, actual);
          if (!t.name().startsWith("repr.")) {
            attentionNorm += dot(actual, actual);
          }
        }
      }
      assertThat(compared).as("coordinates compared").isGreaterThan(200);
      // The check is only as good as the gradient it sees: attention rows learn through the
      // weights.
      assertThat(Math.sqrt(attentionNorm))
          .as("attention rows receive gradient")
          .isGreaterThan(1e-4);
    }
  }

  private static DareConfig config(Variant variant, int att, int repr, boolean aux) {
    return DareConfig.builder()
        .variant(variant)
        .attentionDim(att)
        .representationDim(repr)
        .topK(3)
        .maxHistory(6)
        .hiddenSizes(6, 4)
        .microBatchSize(8)
        .initStd(0.5f)
        .auxiliaryLoss(aux)
        .auxiliaryLossWeight(0.5f)
        .seed(7)
        .build();
  }

  /**
   * The Java engine's top-K picks per sample (history index, 0 = newest), as its search made them.
   */
  private static int[][] picksOf(DareModel model, List<TrainingSample> batch) {
    int[][] picks = new int[batch.size()][];
    for (int b = 0; b < batch.size(); b++) {
      TrainingSample s = batch.get(b);
      Explanation e =
          model
              .explain(
                  s.historyItems(),
                  s.historyCategories(),
                  new long[] {s.targetItem()},
                  new long[] {s.targetCategory()})
              .get(0);
      picks[b] = e.retrieved().stream().mapToInt(r -> r.position() - 1).toArray();
      assertThat(e.retrieved()).extracting(RetrievedBehaviour::position).doesNotHaveDuplicates();
    }
    return picks;
  }

  private static org.assertj.core.data.Offset<Double> within(double value) {
    return org.assertj.core.data.Offset.offset(ABSOLUTE + RELATIVE * Math.abs(value));
  }

  /** Asserts every coordinate agrees within the float tolerance; returns how many it compared. */
  private static int assertClose(String what, float[] expected, float[] actual) {
    assertThat(actual).as("%s length", what).hasSameSizeAs(expected);
    double scale = 0;
    for (float f : expected) {
      scale = Math.max(scale, Math.abs(f));
    }
    for (int i = 0; i < expected.length; i++) {
      double tol = ABSOLUTE + RELATIVE * Math.max(Math.abs(expected[i]), scale);
      assertThat((double) actual[i])
          .as("gradient of %s[%d] (Java %s, DJL %s)", what, i, expected[i], actual[i])
          .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tol));
    }
    return expected.length;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
