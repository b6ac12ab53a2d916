package io.darestream.model.eval;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.SparseOptimizerKind;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GroundTruth;
import io.darestream.schemas.generator.StreamGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Offline evaluation from the command line (the CLI issue wraps it). Modes:
 *
 * <ul>
 *   <li>{@code offline} (default): the DARE protocol ({@link DareProtocol}), AUC/GAUC/logloss per
 *       variant as mean ± std over seeds;
 *   <li>{@code online}: prequential replay ({@link OnlineReplay}) per variant and sparse optimizer;
 *   <li>{@code retrieval}: on the synthetic generator, NDCG@K of the behaviours the search picked
 *       against the planted ground truth.
 * </ul>
 *
 * <p>Example: {@code java -cp ... io.darestream.model.eval.EvaluateMain --data
 * ../shared/data/movielens-latest-small --max-history 100 --seeds 5}
 */
public final class EvaluateMain {
  private EvaluateMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = parse(args);
    String mode = opt.getOrDefault("mode", "offline");
    int maxHistory = Integer.parseInt(opt.getOrDefault("max-history", "100"));
    int seeds = Integer.parseInt(opt.getOrDefault("seeds", "5"));
    int epochs = Integer.parseInt(opt.getOrDefault("epochs", "5"));
    int negatives = Integer.parseInt(opt.getOrDefault("negatives", "2"));
    List<Variant> variants = new ArrayList<>();
    for (String v : opt.getOrDefault("variants", "DARE,TWIN,TWIN_PROJ").split(",")) {
      variants.add(Variant.valueOf(v.trim().toUpperCase(Locale.ROOT)));
    }
    DareConfig.Builder base =
        DareConfig.builder()
            .maxHistory(maxHistory)
            .topK(Integer.parseInt(opt.getOrDefault("top-k", "20")))
            .representationDim(Integer.parseInt(opt.getOrDefault("representation-dim", "16")))
            .sparseLearningRate(Float.parseFloat(opt.getOrDefault("sparse-lr", "0.01")))
            .denseLearningRate(Float.parseFloat(opt.getOrDefault("dense-lr", "0.001")))
            .microBatchSize(Integer.parseInt(opt.getOrDefault("batch", "256")))
            .auxiliaryLoss(Boolean.parseBoolean(opt.getOrDefault("aux", "false")))
            .sparseOptimizer(
                SparseOptimizerKind.valueOf(
                    opt.getOrDefault("optimizer", "ADAM").toUpperCase(Locale.ROOT)));
    int attDim = Integer.parseInt(opt.getOrDefault("attention-dim", "16"));

    GroundTruth truth = null;
    List<UserSequence> users;
    if (opt.containsKey("synthetic")) {
      String[] p = opt.get("synthetic").split(":");
      StreamGenerator gen =
          new StreamGenerator(
              GeneratorConfig.builder()
                  .setUsers(Integer.parseInt(p[0]))
                  .setItems(Integer.parseInt(p[1]))
                  .setBehaviorsPerUser(Integer.parseInt(p[2]))
                  .build());
      truth = gen.groundTruth();
      users = Sequences.group(gen.events());
    } else {
      users = Sequences.movieLens(Path.of(opt.getOrDefault("data", "data/movielens")));
    }
    System.out.printf(
        Locale.ROOT,
        "users=%d behaviours=%d mode=%s L=%d%n",
        users.size(),
        count(users),
        mode,
        maxHistory);

    switch (mode) {
      case "offline" ->
          offline(base, attDim, variants, users, maxHistory, negatives, seeds, epochs);
      case "online" -> online(base, attDim, variants, users, negatives, opt);
      case "retrieval" -> retrieval(base, attDim, variants, users, truth, maxHistory, epochs);
      default -> throw new IllegalArgumentException("unknown --mode " + mode);
    }
  }

  private static void offline(
      DareConfig.Builder base,
      int attDim,
      List<Variant> variants,
      List<UserSequence> users,
      int maxHistory,
      int negatives,
      int seeds,
      int epochs) {
    System.out.println("| variant | d_att | AUC | GAUC | logloss | epoch | s/run |");
    System.out.println("|---|---|---|---|---|---|---|");
    List<ProtocolSplit> splits = new ArrayList<>();
    for (int s = 1; s <= seeds; s++) {
      splits.add(DareProtocol.split(users, maxHistory, negatives, s));
    }
    System.out.printf(
        Locale.ROOT,
        "(kept users=%d, train=%d, test=%d samples per seed)%n",
        splits.get(0).users(),
        splits.get(0).train().size(),
        splits.get(0).test().size());
    for (Variant v : variants) {
      int att = v == Variant.TWIN ? base.build().representationDim() : attDim;
      double[][] m = new double[seeds][];
      for (int s = 1; s <= seeds; s++) {
        DareConfig cfg = base.variant(v).attentionDim(att).seed(s).build();
        EvalResult r = OfflineEvaluation.run(cfg, splits.get(s - 1), epochs);
        m[s - 1] = new double[] {r.auc(), r.gauc(), r.logloss(), r.epoch(), r.seconds()};
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %s | %s | %s | %.1f | %.1f |%n",
          v,
          att,
          meanStd(m, 0),
          meanStd(m, 1),
          meanStd(m, 2),
          mean(m, 3),
          mean(m, 4));
    }
  }

  private static void online(
      DareConfig.Builder base,
      int attDim,
      List<Variant> variants,
      List<UserSequence> users,
      int negatives,
      Map<String, String> opt) {
    System.out.println(
        "| variant | sparse optimizer | sparse lr | samples | cold clicks | AUC (all) "
            + "| AUC (last 20k) | logloss (last 20k) | samples/s |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (Variant v : variants) {
      for (String o : opt.getOrDefault("optimizers", "ADAM,ADAGRAD").split(",")) {
        SparseOptimizerKind kind = SparseOptimizerKind.valueOf(o.trim());
        for (String lr : opt.getOrDefault("sparse-lrs", "0.01").split(",")) {
          DareConfig cfg =
              base.variant(v)
                  .attentionDim(v == Variant.TWIN ? base.build().representationDim() : attDim)
                  .sparseOptimizer(kind)
                  .sparseLearningRate(Float.parseFloat(lr))
                  .seed(1)
                  .build();
          OnlineReplay.Result r =
              OnlineReplay.run(
                  cfg,
                  users,
                  negatives,
                  Integer.parseInt(opt.getOrDefault("warm-min-count", "1")),
                  Boolean.parseBoolean(opt.getOrDefault("exclude-history", "false")));
          System.out.printf(
              Locale.ROOT,
              "| %s | %s | %s | %d | %d | %.4f | %.4f | %.4f | %.0f |%n",
              v,
              kind,
              lr,
              r.samples(),
              r.coldClicks(),
              r.auc(),
              r.lastWindowAuc(),
              r.lastWindowLogloss(),
              r.samplesPerSecond());
        }
      }
    }
  }

  /** NDCG@K of the retrieved behaviours, gain 1 when the behaviour is planted-relevant. */
  private static void retrieval(
      DareConfig.Builder base,
      int attDim,
      List<Variant> variants,
      List<UserSequence> users,
      GroundTruth truth,
      int maxHistory,
      int epochs) {
    if (truth == null) {
      throw new IllegalArgumentException("--mode retrieval needs --synthetic");
    }
    ProtocolSplit split = DareProtocol.split(users, maxHistory, 2, 1);
    System.out.println("| variant | d_att | NDCG@K | test AUC |");
    System.out.println("|---|---|---|---|");
    for (Variant v : variants) {
      int att = v == Variant.TWIN ? base.build().representationDim() : attDim;
      DareConfig cfg = base.variant(v).attentionDim(att).seed(1).build();
      DareModel model = DareModel.create(cfg);
      EvalResult r = OfflineEvaluation.run(cfg, split, epochs);
      // Retrain the same way to inspect the search (run() does not expose its model).
      for (int e = 0; e < r.epoch(); e++) {
        List<TrainingSample> train = new ArrayList<>(split.train());
        java.util.Collections.shuffle(train, new java.util.Random(cfg.seed()));
        model.trainBatch(train);
      }
      double sum = 0;
      int n = 0;
      for (TrainingSample s : split.test()) {
        if (s.label() != 1) {
          continue;
        }
        Explanation ex =
            model
                .explain(
                    s.historyItems(),
                    s.historyCategories(),
                    new long[] {s.targetItem()},
                    new long[] {s.targetCategory()})
                .get(0);
        int relevant = 0;
        for (int i = 0; i < s.historyLength(); i++) {
          if (truth.isRelevant(s.userId(), s.historyItem(i), s.targetItem())) {
            relevant++;
          }
        }
        if (relevant == 0) {
          continue;
        }
        double dcg = 0;
        int rank = 0;
        for (RetrievedBehaviour b : ex.retrieved()) {
          rank++;
          if (truth.isRelevant(s.userId(), b.item(), s.targetItem())) {
            dcg += 1 / (Math.log(rank + 1) / Math.log(2));
          }
        }
        double idcg = 0;
        for (int k = 1; k <= Math.min(relevant, ex.retrieved().size()); k++) {
          idcg += 1 / (Math.log(k + 1) / Math.log(2));
        }
        sum += dcg / idcg;
        n++;
      }
      System.out.printf(Locale.ROOT, "| %s | %d | %.4f | %.4f |%n", v, att, sum / n, r.auc());
    }
  }

  private static String meanStd(double[][] m, int col) {
    double mean = mean(m, col);
    double ss = 0;
    for (double[] row : m) {
      ss += (row[col] - mean) * (row[col] - mean);
    }
    double std = m.length > 1 ? Math.sqrt(ss / (m.length - 1)) : 0;
    return String.format(Locale.ROOT, "%.4f ± %.4f", mean, std);
  }

  private static double mean(double[][] m, int col) {
    double s = 0;
    for (double[] row : m) {
      s += row[col];
    }
    return s / m.length;
  }

  private static long count(List<UserSequence> users) {
    long n = 0;
    for (UserSequence u : users) {
      n += u.length();
    }
    return n;
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option, got " + args[i]);
      }
      String key = args[i].substring(2);
      if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        m.put(key, args[++i]);
      } else {
        m.put(key, "true");
      }
    }
    return m;
  }
}
