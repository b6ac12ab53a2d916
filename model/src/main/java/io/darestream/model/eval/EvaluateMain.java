package io.darestream.model.eval;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.SparseOptimizerKind;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.metrics.MutualInformationTruth;
import io.darestream.schemas.cli.StandaloneCommand;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GroundTruth;
import io.darestream.schemas.generator.StreamGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code evaluate}: offline evaluation from the command line; the launcher's {@code evaluate}
 * command and a program of its own. Modes:
 *
 * <ul>
 *   <li>{@code offline} (default): the DARE protocol ({@link DareProtocol}), AUC/GAUC/logloss per
 *       variant as mean ± std over seeds;
 *   <li>{@code online}: prequential replay ({@link OnlineReplay}) per variant and sparse optimizer;
 *   <li>{@code retrieval}: NDCG@K of the behaviours the search picked against the
 *       mutual-information ground truth ({@link
 *       io.darestream.model.metrics.MutualInformationTruth}) and, on the synthetic generator, the
 *       planted one, each beside its random-pick baseline, mean ± std over seeds;
 *   <li>{@code diagnose}: one training run per variant with gradient norms per role, drift from
 *       init, softmax entropy and retrieval over time ({@link TrainingDiagnosis}).
 * </ul>
 *
 * <p>On the generator ({@code --synthetic}), {@code --labels impressions} makes every impression a
 * sample labelled by its click ({@link ImpressionSamples}) instead of click-only samples with drawn
 * negatives; {@code --quality-spread} plants item quality that only such labels see.
 *
 * <p>Example: {@code java -cp ... io.darestream.model.eval.EvaluateMain --data
 * ../shared/data/movielens-latest-small --max-history 100 --seeds 5}. The tables go to the command
 * line's output writer.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Offline evaluation of DARE against TWIN and TWIN with projection, without Kafka or Flink.",
      "Example: evaluate --data movielens-latest-small --max-history 100 --seeds 3",
      ""
    })
public final class EvaluateMain implements Callable<Integer> {
  private static final List<String> MODES = List.of("offline", "online", "retrieval", "diagnose");

  @Spec CommandSpec spec;

  @Option(
      names = "--mode",
      defaultValue = "offline",
      paramLabel = "offline|online|retrieval|diagnose",
      description = {
        "offline (default): the DARE paper's protocol, mean ± std over --seeds;"
            + " online: prequential replay over the whole stream;"
            + " retrieval: NDCG of the search against the mutual-information ground truth (and the"
            + " planted interests of --synthetic data);"
            + " diagnose: gradient norms, drift, softmax entropy and retrieval during training."
      })
  String mode;

  @Option(
      names = "--data",
      defaultValue = "data/movielens",
      paramLabel = "DIR",
      description =
          "MovieLens release directory (ratings.csv, movies.csv) or a Taobao UserBehavior.csv"
              + " (or its directory) (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--online-seeds",
      defaultValue = "1",
      description =
          "online: seeds (initialisation and negatives) per variant, one row each"
              + " (default: ${DEFAULT-VALUE}).")
  int onlineSeeds;

  @Option(
      names = "--probes",
      defaultValue = "4",
      description = "diagnose: measurements per epoch (default: ${DEFAULT-VALUE}).")
  int probes;

  @Option(
      names = "--mi-min-samples",
      defaultValue = "100",
      description =
          "retrieval, diagnose: samples a target category needs for a mutual-information ground"
              + " truth (the reference uses 700 on full Taobao; default: ${DEFAULT-VALUE}).")
  int miMinSamples;

  @Option(
      names = "--synthetic",
      paramLabel = "USERS:ITEMS:BEHAVIOURS",
      description = "Generated data (the synthetic stream generator) instead of --data.")
  String synthetic;

  @Option(
      names = "--labels",
      defaultValue = "click-only",
      paramLabel = "click-only|impressions",
      description = {
        "click-only (default): every behaviour is a positive with sampled negatives;"
            + " impressions (--synthetic only): every impression is a sample labelled by its click,"
            + " history = the clicks before it; offline/retrieval/diagnose split it by time"
            + " 80/10/10 (ImpressionSamples)."
      })
  String labels;

  @Option(
      names = "--quality-spread",
      defaultValue = "0",
      paramLabel = "S",
      description =
          "--synthetic: std of the items' quality in click log-odds, independent of the topic"
              + " (default: ${DEFAULT-VALUE}; 0.8 is what real data shows).")
  double qualitySpread;

  @Option(
      names = "--taste-strength",
      defaultValue = "0",
      paramLabel = "A",
      description =
          "--synthetic: how much users' tastes decide, in [0, 1] (default: ${DEFAULT-VALUE}, none):"
              + " each item has one of two sides and each user prefers one side of each interest"
              + " topic, which only the user's behaviours in that topic show; needs --labels"
              + " impressions to reach the labels.")
  double tasteStrength;

  @Option(
      names = "--interests",
      paramLabel = "N",
      description =
          "--synthetic: hidden topics each user is interested in (default: the generator's, 3):"
              + " with more, fewer of a history's behaviours share a target's topic and the search"
              + " has more to find.")
  Integer interests;

  @Option(
      names = "--oracle-representation",
      paramLabel = "SCALE",
      description =
          "--mode diagnose with --synthetic, an experiment: DARE's representation rows start as"
              + " their planted topic's code (norm SCALE); with --sparse-lr 1e-9 they stay there,"
              + " so the attention set alone has to learn the search (set --att-lr).")
  Float oracleRepresentation;

  @Option(
      names = "--oracle-attention",
      paramLabel = "SCALE",
      description =
          "--mode diagnose with --synthetic, an experiment: DARE's attention rows start as the"
              + " search it should learn (each item's row its planted topic's code of norm SCALE,"
              + " category and position rows 0); with --att-lr 1e-9 they stay there, and the test"
              + " AUC says what a perfect search is worth.")
  Float oracleAttention;

  /** The impression-labelled samples in time order when {@code --labels impressions}. */
  private List<TrainingSample> impressionSamples;

  @Option(
      names = "--variants",
      defaultValue = "DARE,TWIN,TWIN_PROJ",
      split = ",",
      paramLabel = "VARIANT",
      description = "Variants compared (default: ${DEFAULT-VALUE}).")
  List<String> variants;

  @Option(
      names = "--max-history",
      defaultValue = "100",
      description = "L, the longest history a sample keeps (default: ${DEFAULT-VALUE}).")
  int maxHistory;

  @Option(
      names = "--top-k",
      defaultValue = "20",
      description = "K, the behaviours the search retrieves (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(
      names = "--seeds",
      defaultValue = "5",
      description =
          "offline: runs (splits and initialisations) per variant (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(
      names = "--epochs",
      defaultValue = "5",
      description =
          "offline, retrieval: most epochs; the test metrics of the best by validation AUC count"
              + " (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--negatives",
      defaultValue = "2",
      description = "Sampled negatives per positive (default: ${DEFAULT-VALUE}).")
  int negatives;

  @Option(
      names = "--attention-dim",
      defaultValue = "16",
      description =
          "Attention embedding dimension of DARE and TWIN_PROJ (default: ${DEFAULT-VALUE}).")
  int attentionDim;

  @Option(
      names = "--representation-dim",
      defaultValue = "16",
      description = "Representation embedding dimension (default: ${DEFAULT-VALUE}).")
  int representationDim;

  @Option(
      names = "--batch",
      defaultValue = "256",
      description = "Micro-batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--sparse-lr",
      defaultValue = "0.01",
      description = "Learning rate of the embedding rows (default: ${DEFAULT-VALUE}).")
  float sparseLr;

  @Option(
      names = "--dense-lr",
      defaultValue = "0.001",
      description = "Learning rate of the MLP (default: ${DEFAULT-VALUE}).")
  float denseLr;

  @Option(
      names = "--optimizer",
      defaultValue = "ADAM",
      description = "Sparse optimizer, ADAM or ADAGRAD (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(
      names = "--aux",
      arity = "0..1",
      defaultValue = "false",
      fallbackValue = "true",
      paramLabel = "true|false",
      description = "The auxiliary full-softmax loss (default: ${DEFAULT-VALUE}; --aux: true).")
  boolean aux;

  @Option(
      names = "--aux-samples",
      defaultValue = "0",
      description =
          "Behaviours sampled beside the top K for the auxiliary softmax; 0: all L"
              + " (default: ${DEFAULT-VALUE}).")
  int auxSamples;

  @Option(
      names = "--straight-through",
      description =
          "Attention rows learn through a softmax over every behaviour (--aux-samples) while the"
              + " forward aggregates the top K (without the search's logit term).")
  boolean straightThrough;

  @Option(
      names = "--search-logit-weight",
      paramLabel = "W",
      description =
          "Weight of the search's own term in the logit (the weighted mean of the picked attention"
              + " scores): the attention rows learn from the label first hand (default:"
              + " 1 for DARE, 0 (none) for TWIN, TWIN_PROJ and --straight-through; given, it applies"
              + " to every variant).")
  Float searchLogitWeight;

  @Option(
      names = "--cooccurrence-loss-weight",
      paramLabel = "W",
      description =
          "Weight of the search's co-occurrence loss (a behaviour scores higher against the rest of"
              + " its history than another user's behaviour does; trains the search's item rows from"
              + " the histories alone). Default: 1 for DARE, 0 (none) for the baselines; given, it"
              + " applies to every variant (TWIN_PROJ refuses it).")
  Float cooccurrenceLossWeight;

  @Option(
      names = "--exact-match",
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "true|false",
      description =
          "The search's learnt exact-match terms: beta for the target's own item, gamma for its"
              + " category (default: on for DARE, off for TWIN and TWIN_PROJ; given, it applies to"
              + " every variant).")
  Boolean exactMatch;

  @Option(
      names = "--exact-match-lr",
      defaultValue = "0.03",
      description = "Learning rate of the exact-match terms (default: ${DEFAULT-VALUE}).")
  float exactMatchLr;

  @Option(
      names = "--init-std",
      defaultValue = "0.01",
      description =
          "Std of the initial representation (and TWIN's shared) rows (default: ${DEFAULT-VALUE}).")
  float initStd;

  @Option(
      names = "--att-init-std",
      defaultValue = "0.1",
      description = "Std of the initial rows of DARE's attention set (default: ${DEFAULT-VALUE}).")
  float attInitStd;

  @Option(
      names = "--att-lr",
      defaultValue = "0.01",
      description = "Learning rate of DARE's attention rows (default: ${DEFAULT-VALUE}).")
  float attLr;

  @Option(
      names = "--att-positions",
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      paramLabel = "true|false",
      description =
          "The relative-position field in the attention token (default: ${DEFAULT-VALUE}).")
  boolean attPositions;

  @Option(
      names = "--optimizers",
      defaultValue = "ADAM,ADAGRAD",
      split = ",",
      paramLabel = "OPTIMIZER",
      description = "online: the sparse optimizers compared (default: ${DEFAULT-VALUE}).")
  List<String> optimizers;

  @Option(
      names = "--sparse-lrs",
      defaultValue = "0.01",
      split = ",",
      paramLabel = "LR",
      description = "online: the sparse learning rates compared (default: ${DEFAULT-VALUE}).")
  List<String> sparseLrs;

  @Option(
      names = "--warm-min-count",
      defaultValue = "1",
      description =
          "online: times an item must be seen before it is a click-only sample"
              + " (default: ${DEFAULT-VALUE}).")
  int warmMinCount;

  @Option(
      names = "--exclude-history",
      arity = "0..1",
      defaultValue = "false",
      fallbackValue = "true",
      paramLabel = "true|false",
      description =
          "online: never sample a negative from the user's own history"
              + " (default: ${DEFAULT-VALUE}; --exclude-history: true).")
  boolean excludeHistory;

  public static void main(String[] args) {
    System.exit(StandaloneCommand.execute(new EvaluateMain(), args));
  }

  @Override
  public Integer call() throws IOException {
    // Every flag is checked before the data is read: a typo costs a line, not a long load.
    if (!MODES.contains(mode)) {
      throw invalid("--mode must be offline, online, retrieval or diagnose, got " + mode);
    }
    if (onlineSeeds < 1) {
      throw invalid("--online-seeds must be at least 1, got " + onlineSeeds);
    }
    if (probes < 1) {
      throw invalid("--probes must be at least 1, got " + probes);
    }
    if (miMinSamples < 1) {
      throw invalid("--mi-min-samples must be at least 1, got " + miMinSamples);
    }
    if (!labels.equals("click-only") && !labels.equals("impressions")) {
      throw invalid("--labels must be click-only or impressions, got " + labels);
    }
    if (oracleRepresentation != null
        && (synthetic == null || !mode.equals("diagnose") || !(oracleRepresentation > 0))) {
      throw invalid("--oracle-representation needs --mode diagnose, --synthetic and a scale > 0");
    }
    if (oracleAttention != null
        && (synthetic == null || !mode.equals("diagnose") || !(oracleAttention > 0))) {
      throw invalid("--oracle-attention needs --mode diagnose, --synthetic and a scale > 0");
    }
    if (interests != null && synthetic == null) {
      throw invalid("--interests goes with --synthetic");
    }
    if (tasteStrength != 0 && synthetic == null) {
      throw invalid("--taste-strength goes with --synthetic");
    }
    if (labels.equals("impressions") && synthetic == null) {
      throw invalid("--labels impressions needs --synthetic (a stream with impressions)");
    }
    List<Variant> compared = new ArrayList<>();
    for (String v : variants) {
      compared.add(enumValue(Variant.class, "--variants", v));
    }
    List<SparseOptimizerKind> kinds = new ArrayList<>();
    for (String o : optimizers) {
      kinds.add(enumValue(SparseOptimizerKind.class, "--optimizers", o));
    }
    for (String lr : sparseLrs) {
      try {
        Float.parseFloat(lr);
      } catch (NumberFormatException e) {
        throw invalid("--sparse-lrs: '" + lr + "' is not a number");
      }
    }
    DareConfig.Builder base =
        DareConfig.builder()
            .maxHistory(maxHistory)
            .topK(topK)
            .representationDim(representationDim)
            .sparseLearningRate(sparseLr)
            .denseLearningRate(denseLr)
            .microBatchSize(batch)
            .auxiliaryLoss(aux)
            .auxiliarySamples(auxSamples)
            .straightThroughSearch(straightThrough)
            .initStd(initStd)
            .attentionInitStd(attInitStd)
            .exactMatchLearningRate(exactMatchLr)
            .attentionLearningRate(attLr)
            .attentionPositions(attPositions)
            .sparseOptimizer(enumValue(SparseOptimizerKind.class, "--optimizer", optimizer));
    if (searchLogitWeight != null) {
      base.searchLogitWeight(searchLogitWeight);
    }
    if (cooccurrenceLossWeight != null) {
      base.cooccurrenceLossWeight(cooccurrenceLossWeight);
    }
    if (exactMatch != null) {
      base.exactMatch(exactMatch);
    }
    for (Variant v : compared) {
      try {
        base.variant(v).attentionDim(v == Variant.TWIN ? representationDim : attentionDim).build();
      } catch (IllegalArgumentException e) {
        throw invalid(e.getMessage());
      }
    }
    GeneratorConfig generated = synthetic == null ? null : syntheticConfig();
    if (generated == null && !Files.exists(data)) {
      throw invalid("--data " + data + " does not exist (a MovieLens release directory)");
    }
    PrintWriter out = spec.commandLine().getOut();

    GroundTruth truth = null;
    List<UserSequence> users;
    if (generated != null) {
      StreamGenerator gen = new StreamGenerator(generated);
      truth = gen.groundTruth();
      users = Sequences.group(gen.events());
      if (labels.equals("impressions")) {
        impressionSamples = ImpressionSamples.inTimeOrder(gen.events(), maxHistory);
        long clicked = impressionSamples.stream().filter(t -> t.label() == 1).count();
        out.printf(
            Locale.ROOT,
            "impression samples=%d clicked=%d (%s)%n",
            impressionSamples.size(),
            clicked,
            generated);
      }
    } else {
      users = Sequences.read(data);
    }
    out.printf(
        Locale.ROOT,
        "users=%d behaviours=%d mode=%s L=%d%n",
        users.size(),
        count(users),
        mode,
        maxHistory);

    switch (mode) {
      case "offline" ->
          offline(out, base, attentionDim, compared, users, maxHistory, negatives, seeds, epochs);
      case "online" -> online(out, base, attentionDim, compared, kinds, users, negatives, truth);
      case "retrieval" ->
          retrieval(out, base, attentionDim, compared, users, truth, maxHistory, seeds, epochs);
      default -> diagnose(out, base, attentionDim, compared, users, truth, maxHistory, epochs);
    }
    out.flush();
    return 0;
  }

  private GeneratorConfig syntheticConfig() {
    String[] p = synthetic.split(":");
    if (p.length != 3) {
      throw invalid("--synthetic must be USERS:ITEMS:BEHAVIOURS, got " + synthetic);
    }
    try {
      GeneratorConfig.Builder b =
          GeneratorConfig.builder()
              .setUsers(Integer.parseInt(p[0].trim()))
              .setItems(Integer.parseInt(p[1].trim()))
              .setBehaviorsPerUser(Integer.parseInt(p[2].trim()))
              .optQualitySpread(qualitySpread)
              .optTasteStrength(tasteStrength);
      if (interests != null) {
        b.optInterestsPerUser(interests);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      // NumberFormatException included: name the flags and the values.
      throw invalid(
          "--synthetic "
              + synthetic
              + (interests == null ? "" : " --interests " + interests)
              + ": "
              + e.getMessage());
    }
  }

  private <E extends Enum<E>> E enumValue(Class<E> type, String flag, String text) {
    try {
      return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      List<String> names = new ArrayList<>();
      for (E c : type.getEnumConstants()) {
        names.add(c.name());
      }
      throw invalid(flag + ": unknown value '" + text + "', expected one of " + names);
    }
  }

  /** A bad value: picocli reports it like a parse error (one line, exit status 2). */
  private ParameterException invalid(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /**
   * The split of seed {@code seed}: the DARE protocol's (negatives drawn per seed) or, with {@code
   * --labels impressions}, the one time split of the impression samples.
   */
  private ProtocolSplit splitOf(List<UserSequence> users, int maxHistory, long seed) {
    return impressionSamples != null
        ? ImpressionSamples.split(impressionSamples)
        : DareProtocol.split(users, maxHistory, negatives, seed);
  }

  private void offline(
      PrintWriter out,
      DareConfig.Builder base,
      int attDim,
      List<Variant> variants,
      List<UserSequence> users,
      int maxHistory,
      int negatives,
      int seeds,
      int epochs) {
    out.println("| variant | d_att | AUC | GAUC | logloss | epoch | s/run |");
    out.println("|---|---|---|---|---|---|---|");
    List<ProtocolSplit> splits = new ArrayList<>();
    for (int s = 1; s <= seeds; s++) {
      splits.add(splitOf(users, maxHistory, s));
    }
    out.printf(
        Locale.ROOT,
        "(kept users=%d, train=%d, test=%d samples per seed)%n",
        splits.get(0).users(),
        splits.get(0).train().size(),
        splits.get(0).test().size());
    for (Variant v : variants) {
      int att = attentionDimOf(v, base, attDim);
      double[][] m = new double[seeds][];
      for (int s = 1; s <= seeds; s++) {
        DareConfig cfg = base.variant(v).attentionDim(att).seed(s).build();
        EvalResult r = OfflineEvaluation.run(cfg, splits.get(s - 1), epochs);
        m[s - 1] = new double[] {r.auc(), r.gauc(), r.logloss(), r.epoch(), r.seconds()};
      }
      out.printf(
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

  private void online(
      PrintWriter out,
      DareConfig.Builder base,
      int attDim,
      List<Variant> variants,
      List<SparseOptimizerKind> kinds,
      List<UserSequence> users,
      int negatives,
      GroundTruth truth) {
    out.println(
        "| variant | seed | sparse optimizer | sparse lr | samples | cold clicks | AUC (all) "
            + "| AUC (last 20k) | logloss (last 20k) | samples/s | NDCG@K planted, last 20 %"
            + " (random) |");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    for (Variant v : variants) {
      for (SparseOptimizerKind kind : kinds) {
        for (String lr : sparseLrs) {
          for (int seed = 1; seed <= onlineSeeds; seed++) {
            DareConfig cfg =
                base.variant(v)
                    .attentionDim(attentionDimOf(v, base, attDim))
                    .sparseOptimizer(kind)
                    .sparseLearningRate(Float.parseFloat(lr))
                    .seed(seed)
                    .build();
            PlantedProbe retrieval = truth == null ? null : new PlantedProbe(truth, cfg.topK());
            OnlineReplay.Result r =
                impressionSamples != null
                    ? OnlineReplay.runLabelled(cfg, impressionSamples, retrieval)
                    : OnlineReplay.run(
                        cfg, users, negatives, warmMinCount, excludeHistory, retrieval);
            out.printf(
                Locale.ROOT,
                "| %s | %d | %s | %s | %d | %d | %.4f | %.4f | %.4f | %.0f | %s |%n",
                v,
                seed,
                kind,
                lr,
                r.samples(),
                r.coldClicks(),
                r.auc(),
                r.lastWindowAuc(),
                r.lastWindowLogloss(),
                r.samplesPerSecond(),
                retrieval == null ? "-" : TrainingDiagnosis.ndcg(retrieval.ndcg()));
            out.flush();
          }
        }
      }
    }
  }

  /**
   * NDCG@K of the search against the mutual-information truth (and the planted one), with the
   * random-pick baselines, at the epoch with the best validation AUC; mean ± std over seeds.
   */
  private void retrieval(
      PrintWriter out,
      DareConfig.Builder base,
      int attDim,
      List<Variant> variants,
      List<UserSequence> users,
      GroundTruth truth,
      int maxHistory,
      int seeds,
      int epochs) {
    out.println(
        "| variant | d_att | NDCG@K MI | random MI | NDCG@K planted | random planted | test AUC"
            + " | epoch |");
    out.println("|---|---|---|---|---|---|---|---|");
    List<ProtocolSplit> splits = new ArrayList<>();
    List<MutualInformationTruth> truths = new ArrayList<>();
    for (int s = 1; s <= seeds; s++) {
      ProtocolSplit split = splitOf(users, maxHistory, s);
      splits.add(split);
      truths.add(RetrievalQuality.truthOf(split, miMinSamples));
    }
    printSplit(out, splits.get(0), truths.get(0));
    for (Variant v : variants) {
      int att = attentionDimOf(v, base, attDim);
      double[][] m = new double[seeds][];
      for (int s = 1; s <= seeds; s++) {
        DareConfig cfg = base.variant(v).attentionDim(att).seed(s).build();
        ProtocolSplit split = splits.get(s - 1);
        DareModel model = DareModel.create(cfg);
        List<TrainingSample> train = new ArrayList<>(split.train());
        java.util.Random shuffle = new java.util.Random(cfg.seed());
        double bestVal = Double.NEGATIVE_INFINITY;
        for (int e = 1; e <= epochs; e++) {
          java.util.Collections.shuffle(train, shuffle);
          model.trainBatch(train);
          double val = OfflineEvaluation.metrics(model, split.validation())[0];
          if (val > bestVal) {
            bestVal = val;
            RetrievalQuality.Result r =
                RetrievalQuality.measure(model, split.test(), truths.get(s - 1), truth);
            m[s - 1] =
                new double[] {
                  r.mutualInformation().ndcg(),
                  r.mutualInformation().randomNdcg(),
                  r.planted() == null ? Double.NaN : r.planted().ndcg(),
                  r.planted() == null ? Double.NaN : r.planted().randomNdcg(),
                  OfflineEvaluation.metrics(model, split.test())[0],
                  e
                };
          }
        }
      }
      out.printf(
          Locale.ROOT,
          "| %s | %d | %s | %s | %s | %s | %s | %.1f |%n",
          v,
          att,
          meanStd(m, 0),
          meanStd(m, 1),
          meanStd(m, 2),
          meanStd(m, 3),
          meanStd(m, 4),
          mean(m, 5));
      out.flush();
    }
  }

  private void diagnose(
      PrintWriter out,
      DareConfig.Builder base,
      int attDim,
      List<Variant> variants,
      List<UserSequence> users,
      GroundTruth truth,
      int maxHistory,
      int epochs) {
    ProtocolSplit split = splitOf(users, maxHistory, 1);
    MutualInformationTruth mi = RetrievalQuality.truthOf(split, miMinSamples);
    printSplit(out, split, mi);
    for (Variant v : variants) {
      int att = attentionDimOf(v, base, attDim);
      DareConfig cfg = base.variant(v).attentionDim(att).seed(1).build();
      TrainingDiagnosis.run(
          out,
          cfg,
          split,
          truth,
          mi,
          epochs,
          probes,
          oracleRepresentation == null ? 0f : oracleRepresentation,
          oracleAttention == null ? 0f : oracleAttention);
    }
  }

  /** The split's sizes and how many target categories have a mutual-information truth. */
  private static void printSplit(PrintWriter out, ProtocolSplit split, MutualInformationTruth mi) {
    out.printf(
        Locale.ROOT,
        "(kept users=%d, train=%d, test=%d samples, %d target categories with MI truth)%n",
        split.users(),
        split.train().size(),
        split.test().size(),
        mi.targetCategories());
  }

  /** TWIN attends in the full representation; the other variants in {@code attDim}. */
  private static int attentionDimOf(Variant v, DareConfig.Builder base, int attDim) {
    return v == Variant.TWIN ? base.build().representationDim() : attDim;
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
}
