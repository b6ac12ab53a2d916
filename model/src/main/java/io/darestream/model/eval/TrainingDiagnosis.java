package io.darestream.model.eval;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;
import io.darestream.model.metrics.MutualInformationTruth;
import io.darestream.model.train.DareParameters;
import io.darestream.model.train.GradientRoles;
import io.darestream.model.train.Gradients;
import io.darestream.model.train.RowGradients;
import io.darestream.schemas.generator.GroundTruth;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * {@code evaluate --mode diagnose}: trains one variant on a {@link ProtocolSplit} and, at {@code
 * probes} points per epoch, records what the attention embeddings learn (issue 17's diagnosis):
 *
 * <ul>
 *   <li>the L2 norm of the batch's row gradient in each role ({@link GradientRoles}: attention =
 *       search keys and queries, representation = aggregated values and the target token), over the
 *       item, category and position tables of the role's set; in TWIN both land in the one shared
 *       table (DARE Section 3.1, "gradient domination");
 *   <li>how far the item rows of each set moved from their initialisation, relative to it;
 *   <li>the entropy of the top-K softmax (nats; uniform = ln K) and the spread of the picked
 *       scores;
 *   <li>retrieval NDCG@K against the mutual-information truth and the planted one, with random
 *       baselines, and the test AUC;
 *   <li>on a generated stream with item quality, the search's quality pull ({@link
 *       RetrievalQuality#qualityPull}): whether it picks behaviours by quality instead of topic.
 * </ul>
 *
 * <p>Offline tool: the probe recomputes a batch's gradient twice (once per role) before training
 * it, which the training path never does.
 */
final class TrainingDiagnosis {
  private static final int PROBED_SAMPLES = 2_000;

  private TrainingDiagnosis() {}

  static void run(
      PrintWriter out,
      DareConfig cfg,
      ProtocolSplit split,
      GroundTruth planted,
      MutualInformationTruth mi,
      int epochs,
      int probes,
      float oracleScale,
      float oracleAttentionScale) {
    DareModel model = DareModel.create(cfg);
    DareParameters params = model.trainer().parameters();
    if (oracleScale > 0 && cfg.variant() == Variant.DARE && planted != null) {
      writeOracleRepresentation(model, params, planted, oracleScale, cfg.seed());
    }
    if (oracleAttentionScale > 0 && cfg.variant() == Variant.DARE && planted != null) {
      writeOracleAttention(model, params, planted, oracleAttentionScale, cfg.seed());
    }
    List<TrainingSample> train = new ArrayList<>(split.train());
    List<TrainingSample> probed =
        split.test().subList(0, Math.min(PROBED_SAMPLES, split.test().size()));
    int step = cfg.microBatchSize();
    out.printf(
        Locale.ROOT,
        "%s: att dim %d, lr %s (att %s), init std %s (att %s), aux %s (samples %d),"
            + " positions %s, search logit weight %s, exact match %s, batch %d%n",
        cfg.variant(),
        cfg.attentionDim(),
        cfg.sparseLearningRate(),
        cfg.attentionLearningRate(),
        cfg.initStd(),
        cfg.attentionInitStd(),
        cfg.auxiliaryLoss(),
        cfg.auxiliarySamples(),
        cfg.attentionPositions(),
        cfg.searchLogitWeight(),
        cfg.exactMatch(),
        step);
    out.println(
        "| epoch | samples | |g_att| | |g_repr| | g_att/g_repr | att drift | repr drift "
            + "| entropy (ln K) | score std | NDCG MI (random) | NDCG planted (random) | test AUC"
            + " | quality pull |");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    Random shuffle = new Random(cfg.seed());
    long trained = 0;
    probe(
        out,
        model,
        params,
        split,
        train.subList(0, Math.min(step, train.size())),
        probed,
        mi,
        planted,
        0,
        0);
    for (int epoch = 1; epoch <= epochs; epoch++) {
      Collections.shuffle(train, shuffle);
      int every = Math.max(step, train.size() / probes);
      for (int start = 0; start < train.size(); start += every) {
        List<TrainingSample> chunk = train.subList(start, Math.min(train.size(), start + every));
        model.trainBatch(chunk);
        trained += chunk.size();
        // The gradients are probed on the batch that trains next (the epoch's first after its end).
        int from = start + every < train.size() ? start + every : 0;
        List<TrainingSample> probeBatch = train.subList(from, Math.min(train.size(), from + step));
        probe(out, model, params, split, probeBatch, probed, mi, planted, epoch, trained);
      }
    }
    out.flush();
  }

  /**
   * An experiment, not a model: sets every item's representation row to its planted topic's code
   * (one random unit vector per topic, times {@code scale}), so that the attention set alone has to
   * learn the search. With a negligible sparse learning rate the rows stay put.
   */
  private static void writeOracleRepresentation(
      DareModel model, DareParameters params, GroundTruth planted, float scale, long seed) {
    EmbeddingTable items = params.representation().item();
    float[][] codes = topicCodes(planted.topics(), items.dim(), scale, new Random(seed * 31 + 7));
    model.exclusive(
        () -> {
          for (long item = 1; item <= planted.items(); item++) {
            items.writeRow(item, codes[planted.topicOf(item)].clone());
          }
          return null;
        });
  }

  /**
   * An experiment, not a model: the search DARE is meant to learn, written in. Every item's
   * attention row is its planted topic's code (one random unit vector per topic, times {@code
   * scale}) and the attention category and position rows are 0, so a behaviour's score is {@code
   * scale^2} for the target's topic and a random cosine times that for any other. With a negligible
   * attention learning rate the rows stay put and the rest of the model learns what such a search
   * is worth.
   */
  private static void writeOracleAttention(
      DareModel model, DareParameters params, GroundTruth planted, float scale, long seed) {
    FieldTables attention = params.attention();
    int dim = attention.dim();
    float[][] codes = topicCodes(planted.topics(), dim, scale, new Random(seed * 37 + 11));
    model.exclusive(
        () -> {
          Set<Long> categories = new HashSet<>();
          for (long item = 1; item <= planted.items(); item++) {
            attention.item().writeRow(item, codes[planted.topicOf(item)].clone());
            categories.add(planted.categoryOf(item));
          }
          for (long category : categories) {
            attention.category().writeRow(category, new float[dim]);
          }
          for (long position = 0; position <= params.config().maxHistory() + 1; position++) {
            attention.position().writeRow(position, new float[dim]);
          }
          return null;
        });
  }

  /** One random direction of norm {@code scale} per topic. */
  private static float[][] topicCodes(int topics, int dim, float scale, Random rng) {
    float[][] codes = new float[topics][dim];
    for (float[] code : codes) {
      double norm = 0;
      for (int j = 0; j < dim; j++) {
        code[j] = (float) rng.nextGaussian();
        norm += code[j] * code[j];
      }
      for (int j = 0; j < dim; j++) {
        code[j] *= (float) (scale / Math.sqrt(norm));
      }
    }
    return codes;
  }

  private static void probe(
      PrintWriter out,
      DareModel model,
      DareParameters params,
      ProtocolSplit split,
      List<TrainingSample> batch,
      List<TrainingSample> probed,
      MutualInformationTruth mi,
      GroundTruth planted,
      int epoch,
      long trained) {
    double att = roleNorm(model, params, batch, GradientRoles.ATTENTION, params.attention());
    double repr =
        roleNorm(model, params, batch, GradientRoles.REPRESENTATION, params.representation());
    double attDrift = drift(params.attention().item());
    double reprDrift =
        params.config().variant() == Variant.DARE
            ? drift(params.representation().item())
            : attDrift;
    double[] softmax = softmaxStats(model, probed);
    RetrievalQuality.Result r = RetrievalQuality.measure(model, probed, mi, planted);
    double auc = OfflineEvaluation.metrics(model, split.test())[0];
    double pull =
        planted == null ? Double.NaN : RetrievalQuality.qualityPull(model, probed, planted);
    out.printf(
        Locale.ROOT,
        "| %d | %d | %.3g | %.3g | %.3f | %.3f | %.3f | %.3f (%.3f) | %.3g | %s | %s | %.4f | %s |%n",
        epoch,
        trained,
        att,
        repr,
        att / repr,
        attDrift,
        reprDrift,
        softmax[0],
        Math.log(model.config().topK()),
        softmax[1],
        ndcg(r.mutualInformation()),
        r.planted() == null ? "-" : ndcg(r.planted()),
        auc,
        Double.isNaN(pull) ? "-" : String.format(Locale.ROOT, "%+.3f", pull));
    out.flush();
  }

  static String ndcg(io.darestream.model.metrics.RetrievalNdcg n) {
    return String.format(Locale.ROOT, "%.4f (%.4f)", n.ndcg(), n.randomNdcg());
  }

  /** L2 norm of the row gradient of {@code roles} over the tables of {@code set}. */
  private static double roleNorm(
      DareModel model,
      DareParameters params,
      List<TrainingSample> batch,
      GradientRoles roles,
      FieldTables set) {
    Gradients g = model.exclusive(() -> model.trainer().gradients(batch, roles));
    RowGradients rows = g.rows();
    double ss = 0;
    for (EmbeddingTable t : List.of(set.item(), set.category(), set.position())) {
      for (long id : rows.ids(t)) {
        for (float v : rows.get(t, id)) {
          ss += (double) v * v;
        }
      }
    }
    return Math.sqrt(ss);
  }

  /** Mean over the table's rows of |row - init| / |init|. */
  private static double drift(EmbeddingTable t) {
    long[] ids = t.ids();
    if (ids.length == 0) {
      return 0;
    }
    float[] now = new float[t.dim()];
    float[] init = new float[t.dim()];
    double sum = 0;
    for (long id : ids) {
      t.copyWeights(id, now, 0);
      t.initialWeights(id, init, 0);
      double d = 0;
      double n = 0;
      for (int j = 0; j < now.length; j++) {
        d += (now[j] - init[j]) * (now[j] - init[j]);
        n += init[j] * init[j];
      }
      sum += Math.sqrt(d / Math.max(n, 1e-30));
    }
    return sum / ids.length;
  }

  /** Mean entropy (nats) of the picks' softmax weights and mean std of their scores. */
  private static double[] softmaxStats(DareModel model, List<TrainingSample> samples) {
    double entropy = 0;
    double spread = 0;
    int n = 0;
    for (TrainingSample s : samples) {
      if (s.label() != 1) {
        continue;
      }
      Explanation ex = model.explain(s);
      double h = 0;
      double mean = 0;
      List<RetrievedBehaviour> picks = ex.retrieved();
      for (RetrievedBehaviour b : picks) {
        if (b.weight() > 0) {
          h -= b.weight() * Math.log(b.weight());
        }
        mean += b.score();
      }
      mean /= Math.max(1, picks.size());
      double var = 0;
      for (RetrievedBehaviour b : picks) {
        var += (b.score() - mean) * (b.score() - mean);
      }
      entropy += h;
      spread += Math.sqrt(var / Math.max(1, picks.size()));
      n++;
    }
    return new double[] {entropy / Math.max(1, n), spread / Math.max(1, n)};
  }
}
