package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.nn.DenseParameters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Analytic gradients of the mean loss against central finite differences, for every variant, for
 * dense blocks and for every embedding row the batch touched (attention rows included: they learn
 * through the softmax weights of the selected K).
 */
class GradientCheckTest {
  private static final float EPS = 1e-3f;

  @ParameterizedTest
  @CsvSource({
    "DARE,3,4,false,0,true,7,0,false,0",
    "TWIN,3,3,false,0,true,7,0,false,0",
    "TWIN_PROJ,2,3,false,0,true,7,0,false,0",
    "DARE,3,4,true,0,true,7,0,false,0",
    // The sampled auxiliary softmax: the 3 picked plus 2 of the other 3 behaviours. (Seed 8: at
    // seed 7 a PReLU input lies within EPS of its kink, which no analytic gradient matches.)
    "DARE,3,4,true,2,true,8,0,false,0",
    "TWIN,3,3,true,2,true,7,0,false,0",
    // No position field in the attention token.
    "DARE,3,4,true,2,false,7,0,false,0",
    "TWIN,3,3,false,0,false,7,0,false,0",
    // The search's own logit term, alone and beside the auxiliary loss.
    "DARE,3,4,false,0,true,7,1.5,false,0",
    "TWIN,3,3,false,0,true,7,1.5,false,0",
    "DARE,3,4,true,2,true,8,1.5,false,0",
    // The search's exact-match terms (β, γ set away from 0), with and without the logit term.
    "DARE,3,4,false,0,true,7,1.5,true,0",
    "DARE,3,4,true,2,false,7,0,true,0",
    "TWIN,3,3,false,0,true,7,0,true,0",
    "TWIN_PROJ,2,3,false,0,true,7,0,true,0",
    "TWIN_PROJ,2,3,false,0,true,7,1.5,true,0",
    // The search's co-occurrence loss, alone and with the search's terms (DARE's defaults), and on
    // TWIN's shared rows.
    "DARE,3,4,false,0,true,7,0,false,1.5",
    "DARE,3,4,false,0,true,7,1,true,1.5",
    "DARE,3,4,true,2,false,8,1,true,1.5",
    "TWIN,3,3,false,0,true,7,0,false,1.5"
  })
  void gradientsMatchFiniteDifferences(
      Variant variant,
      int att,
      int repr,
      boolean aux,
      int auxSamples,
      boolean positions,
      long seed,
      float searchLogitWeight,
      boolean exactMatch,
      float cooccurrenceLossWeight) {
    DareConfig cfg =
        DareConfig.builder()
            .variant(variant)
            .attentionDim(att)
            .representationDim(repr)
            .topK(3)
            .maxHistory(6)
            .hiddenSizes(6, 4)
            .microBatchSize(8)
            .initStd(0.5f)
            .attentionInitStd(0.5f)
            .attentionPositions(positions)
            .auxiliarySamples(auxSamples)
            .auxiliaryLoss(aux)
            .auxiliaryLossWeight(0.5f)
            .searchLogitWeight(searchLogitWeight)
            .exactMatch(exactMatch)
            .cooccurrenceLossWeight(cooccurrenceLossWeight)
            .seed(seed)
            .build();
    DareModel model = DareModel.create(cfg);
    DareTrainer net = model.trainer();
    if (exactMatch) {
      model.writeDense(new DenseBlock(DareParameters.EXACT_MATCH_BLOCK, new float[] {0.7f, -0.4f}));
    }
    List<TrainingSample> batch = Samples.random(6, 12, 8, 3);

    Gradients g = net.gradients(batch, true);
    if (cooccurrenceLossWeight > 0) {
      assertThat(g.cooccurrenceLoss()).as("the co-occurrence loss runs on this batch").isPositive();
    }
    // Copy the analytic gradients first: they are live scratch, reset by every forward.
    DenseParameters dense = model.dense();
    Map<String, float[]> denseGrads = new HashMap<>();
    for (String name : dense.names()) {
      denseGrads.put(name, g.dense().block(name).clone());
    }
    Map<EmbeddingTable, Map<Long, float[]>> rowGrads = new LinkedHashMap<>();
    for (EmbeddingTable t : model.tables()) {
      Map<Long, float[]> rows = new LinkedHashMap<>();
      for (long id : g.rows().ids(t)) {
        rows.put(id, g.rows().get(t, id));
      }
      rowGrads.put(t, rows);
    }
    List<double[]> pairs = new ArrayList<>();
    List<double[]> attPairs = new ArrayList<>();
    for (String name : dense.names()) {
      float[] grad = denseGrads.get(name);
      float[] values = dense.block(name).values();
      int stride = Math.max(1, values.length / 40);
      for (int i = 0; i < values.length; i += stride) {
        pairs.add(new double[] {grad[i], numericDense(model, net, batch, name, values, i)});
      }
    }
    for (EmbeddingTable t : model.tables()) {
      for (Map.Entry<Long, float[]> e : rowGrads.get(t).entrySet()) {
        long id = e.getKey();
        float[] grad = e.getValue();
        for (int j = 0; j < t.dim(); j++) {
          double[] pair = {grad[j], numericRow(net, batch, t, id, j)};
          pairs.add(pair);

          if (t.name().startsWith("att.")) {
            attPairs.add(pair);
          }
        }
      }
    }
    assertThat(relativeError(pairs))
        .as("relative error over %d coordinates", pairs.size())
        .isLessThan(1e-3);
    if (variant == Variant.DARE) {
      assertThat(norm(attPairs)).as("attention rows receive gradient").isGreaterThan(1e-6);
    }
    if (exactMatch) {
      float[] match = denseGrads.get(DareParameters.EXACT_MATCH_BLOCK);
      assertThat(Math.abs(match[0]) + Math.abs(match[1]))
          .as("the exact-match weights receive gradient")
          .isGreaterThan(1e-6f);
    }
    if (variant == Variant.DARE && (searchLogitWeight > 0 || cooccurrenceLossWeight > 0)) {
      // On their own too: the search's logit term reaches only these rows, and a pooled error
      // would dilute a mistake in them among the larger coordinates. (Without the term these
      // gradients are small enough that float32 differences alone come to about 1.1e-3.)
      assertThat(relativeError(attPairs))
          .as("relative error over the %d attention coordinates", attPairs.size())
          .isLessThan(1e-3);
    }
  }

  private static double numericDense(
      DareModel model, DareTrainer net, List<TrainingSample> batch, String name, float[] v, int i) {
    float orig = v[i];
    v[i] = orig + EPS;
    model.writeDense(new DenseBlock(name, v));
    double plus = net.objective(batch);
    v[i] = orig - EPS;
    model.writeDense(new DenseBlock(name, v));
    double minus = net.objective(batch);
    v[i] = orig;
    model.writeDense(new DenseBlock(name, v));
    return (plus - minus) / (2 * EPS);
  }

  private static double numericRow(
      DareTrainer net, List<TrainingSample> batch, EmbeddingTable t, long id, int j) {
    float[] w = new float[t.dim()];
    t.copyWeights(id, w, 0);
    float orig = w[j];
    w[j] = orig + EPS;
    t.writeRow(id, w);
    double plus = net.objective(batch);
    w[j] = orig - EPS;
    t.writeRow(id, w);
    double minus = net.objective(batch);
    w[j] = orig;
    t.writeRow(id, w);
    return (plus - minus) / (2 * EPS);
  }

  static double relativeError(List<double[]> pairs) {
    double diff = 0;
    double sum = 0;
    for (double[] p : pairs) {
      diff += (p[0] - p[1]) * (p[0] - p[1]);
      sum += (Math.abs(p[0]) + Math.abs(p[1])) * (Math.abs(p[0]) + Math.abs(p[1]));
    }
    return Math.sqrt(diff) / Math.max(1e-12, Math.sqrt(sum));
  }

  static double norm(List<double[]> pairs) {
    double s = 0;
    for (double[] p : pairs) {
      s += p[0] * p[0];
    }
    return Math.sqrt(s);
  }
}
