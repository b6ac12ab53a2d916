package io.darestream.model.djl;

import static io.darestream.model.djl.DjlParity.assertClose;
import static io.darestream.model.djl.DjlParity.within;
import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * DJL's autograd checks the hand-written backward ({@code DareBackward}, issue #20 point 5): the
 * same batch's loss, written again as a DJL graph ({@link DjlDareGraph}) from the model's current
 * rows and dense blocks with the Java engine's top-K picks, must give the Java engine's loss and
 * every gradient: each MLP weight, bias and PReLU slope, the TWIN_PROJ projections, and every
 * embedding row the batch gathered in both table sets (rows the Java engine left without a gradient
 * must get zero from DJL too), for DARE, TWIN and TWIN_PROJ, with and without the auxiliary loss.
 */
class DjlAutogradCheckTest {
  @BeforeAll
  static void pytorchLoads() {
    DjlParity.assumePytorchLoads("the check");
  }

  @DjlParity.EachVariant
  void javaGradientsEqualDjlAutograd(Variant variant, int att, int repr, boolean aux) {
    DareModel model = DjlParity.trainedModel(config(variant, att, repr, aux), 8, 15, 10, 100);
    DareTrainer trainer = model.trainer();
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
    return DjlParity.config(variant, att, repr, aux, 6, 8);
  }

  /**
   * The Java engine's top-K picks per sample (history index, 0 = newest), as its search made them.
   */
  private static int[][] picksOf(DareModel model, List<TrainingSample> batch) {
    int[][] picks = new int[batch.size()][];
    for (int b = 0; b < batch.size(); b++) {
      Explanation e = model.explain(batch.get(b));
      picks[b] = e.retrieved().stream().mapToInt(r -> r.position() - 1).toArray();
      assertThat(e.retrieved()).extracting(RetrievedBehaviour::position).doesNotHaveDuplicates();
    }
    return picks;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
