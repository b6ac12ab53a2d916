package io.darestream.model;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Immutable settings of a DARE model (DARE paper Section 4 and the reference setup): variant,
 * per-field dimensions of the attention and representation sets, top-K, maximum history, MLP sizes,
 * optimizers and learning rates, micro-batching, auxiliary loss, seed, admission and expiry.
 *
 * <p>Build with {@link #builder()}; {@link Builder#build()} validates and says exactly what is
 * wrong. {@link #toProperties()} / {@link #fromProperties(String)} round-trip the config as a
 * sorted {@code java.util.Properties} text, which is what snapshot manifests store.
 */
public final class DareConfig {
  /**
   * Bumped when the meaning of a key changes; written as {@code format.version}. Version 2: rows
   * that were never stored derive their values from {@code seed} and {@code init.std} through the
   * normal quantile table of {@code RowInitializer} (version 1 used a Box-Muller transform), so a
   * version-1 model read by this build would score its never-trained ids differently from the
   * trainer that wrote it; it is refused instead.
   */
  public static final int FORMAT_VERSION = 2;

  private final Variant variant;
  private final int attentionDim;
  private final int representationDim;
  private final int topK;
  private final int maxHistory;
  private final int[] hiddenSizes;
  private final float denseLearningRate;
  private final float sparseLearningRate;
  private final SparseOptimizerKind sparseOptimizer;
  private final float initStd;
  private final float attentionInitStd;
  private final float attentionLearningRate;
  private final boolean attentionPositions;
  private final int microBatchSize;
  private final long microBatchMaxWaitMs;
  private final boolean auxiliaryLoss;
  private final float auxiliaryLossWeight;
  private final int auxiliarySamples;
  private final boolean straightThroughSearch;
  private final float searchLogitWeight;
  private final boolean exactMatch;
  private final float exactMatchLearningRate;
  private final float cooccurrenceLossWeight;
  private final long seed;
  private final int admissionMinCount;
  private final long expiryMs;

  private DareConfig(Builder b) {
    this.variant = b.variant;
    this.attentionDim = b.attentionDim;
    this.representationDim = b.representationDim;
    this.topK = b.topK;
    this.maxHistory = b.maxHistory;
    this.hiddenSizes = b.hiddenSizes.clone();
    this.denseLearningRate = b.denseLearningRate;
    this.sparseLearningRate = b.sparseLearningRate;
    this.sparseOptimizer = b.sparseOptimizer;
    this.initStd = b.initStd;
    this.attentionInitStd = b.attentionInitStd;
    this.attentionLearningRate = b.attentionLearningRate;
    this.attentionPositions = b.attentionPositions;
    this.microBatchSize = b.microBatchSize;
    this.microBatchMaxWaitMs = b.microBatchMaxWaitMs;
    this.auxiliaryLoss = b.auxiliaryLoss;
    this.auxiliaryLossWeight = b.auxiliaryLossWeight;
    this.auxiliarySamples = b.auxiliarySamples;
    this.straightThroughSearch = b.straightThroughSearch;
    this.searchLogitWeight = b.searchLogitWeightOrDefault();
    this.exactMatch = b.exactMatchOrDefault();
    this.exactMatchLearningRate = b.exactMatchLearningRate;
    this.cooccurrenceLossWeight = b.cooccurrenceLossWeightOrDefault();
    this.seed = b.seed;
    this.admissionMinCount = b.admissionMinCount;
    this.expiryMs = b.expiryMs;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder pre-filled with this config's values. The search's terms are carried only where they
   * differ from the variant's default: a DARE config turned into TWIN this way gets TWIN's
   * defaults, unless its terms were set to something else.
   */
  public Builder toBuilder() {
    Builder b =
        new Builder()
            .variant(variant)
            .attentionDim(attentionDim)
            .representationDim(representationDim)
            .topK(topK)
            .maxHistory(maxHistory)
            .hiddenSizes(hiddenSizes)
            .denseLearningRate(denseLearningRate)
            .sparseLearningRate(sparseLearningRate)
            .sparseOptimizer(sparseOptimizer)
            .initStd(initStd)
            .attentionInitStd(attentionInitStd)
            .attentionLearningRate(attentionLearningRate)
            .attentionPositions(attentionPositions)
            .microBatchSize(microBatchSize)
            .microBatchMaxWaitMs(microBatchMaxWaitMs)
            .auxiliaryLoss(auxiliaryLoss)
            .auxiliaryLossWeight(auxiliaryLossWeight)
            .auxiliarySamples(auxiliarySamples)
            .straightThroughSearch(straightThroughSearch)
            .exactMatchLearningRate(exactMatchLearningRate)
            .seed(seed)
            .admissionMinCount(admissionMinCount)
            .expiryMs(expiryMs);
    if (searchLogitWeight != b.searchLogitWeightOrDefault()) {
      b.searchLogitWeight(searchLogitWeight);
    }
    if (exactMatch != b.exactMatchOrDefault()) {
      b.exactMatch(exactMatch);
    }
    if (cooccurrenceLossWeight != b.cooccurrenceLossWeightOrDefault()) {
      b.cooccurrenceLossWeight(cooccurrenceLossWeight);
    }
    return b;
  }

  public Variant variant() {
    return variant;
  }

  /** Attention dims per field (item, category, position); a token has 3 times this. */
  public int attentionDim() {
    return attentionDim;
  }

  /** Representation dims per field; a token has 3 times this. */
  public int representationDim() {
    return representationDim;
  }

  /** Number of fields per token: item id, category id, relative position. */
  public static int fields() {
    return 3;
  }

  public int topK() {
    return topK;
  }

  /** Maximum history length L; longer histories are cut to their newest L behaviours. */
  public int maxHistory() {
    return maxHistory;
  }

  /** Hidden layer widths of the MLP on {@code [v, u, v*u]} (default 200, 80). */
  public int[] hiddenSizes() {
    return hiddenSizes.clone();
  }

  public float denseLearningRate() {
    return denseLearningRate;
  }

  public float sparseLearningRate() {
    return sparseLearningRate;
  }

  public SparseOptimizerKind sparseOptimizer() {
    return sparseOptimizer;
  }

  /** Standard deviation of the N(0, std) initialisation of embedding rows. */
  public float initStd() {
    return initStd;
  }

  /**
   * Standard deviation of the initial rows of DARE's attention set (its representation rows and
   * TWIN's shared rows use {@link #initStd()}).
   */
  public float attentionInitStd() {
    return attentionInitStd;
  }

  /** Sparse learning rate of DARE's attention set (the other tables use the sparse rate). */
  public float attentionLearningRate() {
    return attentionLearningRate;
  }

  /** Whether the attention token carries the relative-position field (as the reference does). */
  public boolean attentionPositions() {
    return attentionPositions;
  }

  /**
   * Behaviours sampled beside the top K for the auxiliary softmax; 0: the reference's full softmax
   * over all L behaviours.
   */
  public int auxiliarySamples() {
    return auxiliarySamples;
  }

  /**
   * Straight-through search gradient (false: off, the default): the forward aggregates the top K as
   * always, but the attention rows get the gradient of a softmax over every behaviour of the
   * history (the auxiliary path's subset, {@link #auxiliarySamples()}), with the main loss's {@code
   * dL/dubar}: behaviours the search did not pick learn too. The representation rows keep the top
   * K's gradient.
   */
  public boolean straightThroughSearch() {
    return straightThroughSearch;
  }

  /**
   * Weight α of the search's own term in the logit (default 1; 0: none): {@code logit = MLP(x) + α
   * s̄}, s̄ the softmax-weighted mean of the picked behaviours' attention scores. Its gradient
   * reaches the attention rows first hand, as the label's: a click raises the scores of what the
   * search picked, a non-click lowers them, which is the signal TWIN's shared rows get from the
   * representation gradient and DARE's attention rows otherwise lack (MODEL.md, "When the labels
   * reward the search"). Not with the straight-through search.
   */
  public float searchLogitWeight() {
    return searchLogitWeight;
  }

  /**
   * Whether the search's score has the learnt exact-match terms (default on): {@code s_i = <q, k_i>
   * / sqrt(d) + β [item_i = target item] + γ [category_i = target category]}, two scalars (the
   * dense block {@code search.match}) trained with the rest. Repeat views (Taobao) learn β above 0
   * and find the target's own item; streams where a seen item is a negative (MovieLens) learn it
   * below 0. The embedding part of the score then only has to learn what ids alone do not say
   * (MODEL.md, "The search's exact-match terms").
   */
  public boolean exactMatch() {
    return exactMatch;
  }

  /** Adam's learning rate for the two exact-match scalars. */
  public float exactMatchLearningRate() {
    return exactMatchLearningRate;
  }

  /**
   * Weight λ of the search's co-occurrence loss (default 1 for DARE, 0 for the baselines; 0: none),
   * a training-only loss on the attention set's item rows from the histories alone ({@code
   * io.darestream.model.train.CooccurrenceLoss}): a behaviour of a history should score higher
   * against the rest of that history than a behaviour of another user's does, each score the
   * softmax-weighted mean of the search's top K as in the logit term. What a user does together is
   * what the search should find together; the label says it only through the click, and DARE's
   * attention rows learn too little from that alone (MODEL.md, "The search's co-occurrence loss").
   * DARE and TWIN (whose shared item rows it then trains); not TWIN_PROJ, whose search runs through
   * its projections.
   */
  public float cooccurrenceLossWeight() {
    return cooccurrenceLossWeight;
  }

  public int microBatchSize() {
    return microBatchSize;
  }

  public long microBatchMaxWaitMs() {
    return microBatchMaxWaitMs;
  }

  /** Whether the auxiliary full-softmax (all L behaviours, no top-K) loss is trained too. */
  public boolean auxiliaryLoss() {
    return auxiliaryLoss;
  }

  public float auxiliaryLossWeight() {
    return auxiliaryLossWeight;
  }

  public long seed() {
    return seed;
  }

  /** A row is materialised once its id has been seen this many times in training (1 = always). */
  public int admissionMinCount() {
    return admissionMinCount;
  }

  /** Rows not updated for this long are dropped by expiry; 0 disables expiry. */
  public long expiryMs() {
    return expiryMs;
  }

  /** Width of one attention token (all fields concatenated). */
  public int attentionTokenDim() {
    return fields() * attentionDim;
  }

  /** Width of one representation token (all fields concatenated). */
  public int representationTokenDim() {
    return fields() * representationDim;
  }

  /** Width of the MLP input {@code [v, u, v*u]}. */
  public int mlpInputDim() {
    return 3 * representationTokenDim();
  }

  /** The config as sorted {@code key=value} lines, starting with the format version. */
  public String toProperties() {
    TreeMap<String, String> m = new TreeMap<>();
    m.put("format.version", Integer.toString(FORMAT_VERSION));
    m.put("variant", variant.name());
    m.put("attention.dim", Integer.toString(attentionDim));
    m.put("representation.dim", Integer.toString(representationDim));
    m.put("top.k", Integer.toString(topK));
    m.put("max.history", Integer.toString(maxHistory));
    m.put(
        "mlp.hidden",
        Arrays.stream(hiddenSizes).mapToObj(Integer::toString).collect(Collectors.joining(",")));
    m.put("dense.learning.rate", Float.toString(denseLearningRate));
    m.put("sparse.learning.rate", Float.toString(sparseLearningRate));
    m.put("sparse.optimizer", sparseOptimizer.name());
    m.put("init.std", Float.toString(initStd));
    m.put("attention.init.std", Float.toString(attentionInitStd));
    m.put("attention.learning.rate", Float.toString(attentionLearningRate));
    m.put("attention.positions", Boolean.toString(attentionPositions));
    m.put("auxiliary.samples", Integer.toString(auxiliarySamples));
    if (straightThroughSearch) {
      m.put("straight.through.search", "true");
    }
    // Written only when on: a config without them reads as without the terms (fromProperties),
    // and a model without them stays readable by the builds from before they existed.
    if (searchLogitWeight != 0) {
      m.put("search.logit.weight", Float.toString(searchLogitWeight));
    }
    if (exactMatch) {
      m.put("search.exact.match", "true");
      m.put("search.exact.match.learning.rate", Float.toString(exactMatchLearningRate));
    }
    if (cooccurrenceLossWeight != 0) {
      m.put("search.cooccurrence.loss.weight", Float.toString(cooccurrenceLossWeight));
    }
    m.put("micro.batch.size", Integer.toString(microBatchSize));
    m.put("micro.batch.max.wait.ms", Long.toString(microBatchMaxWaitMs));
    m.put("auxiliary.loss", Boolean.toString(auxiliaryLoss));
    m.put("auxiliary.loss.weight", Float.toString(auxiliaryLossWeight));
    m.put("seed", Long.toString(seed));
    m.put("admission.min.count", Integer.toString(admissionMinCount));
    m.put("expiry.ms", Long.toString(expiryMs));
    StringBuilder sb = new StringBuilder();
    m.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    return sb.toString();
  }

  /**
   * Parses {@link #toProperties()} output. Missing keys take their defaults; unknown keys and a
   * newer format version are rejected.
   */
  public static DareConfig fromProperties(String text) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Builder b = builder();
    for (String key : p.stringPropertyNames()) {
      String v = p.getProperty(key).trim();
      try {
        switch (key) {
          case "format.version" -> {
            int version = Integer.parseInt(v);
            if (version > FORMAT_VERSION) {
              throw new IllegalArgumentException(
                  "config format version " + v + " is newer than supported " + FORMAT_VERSION);
            }
            if (version < FORMAT_VERSION) {
              throw new IllegalArgumentException(
                  "config format version "
                      + v
                      + " initialises never-trained rows differently from this build (format "
                      + FORMAT_VERSION
                      + "); retrain the model or read it with a build of format "
                      + v);
            }
          }
          case "variant" -> b.variant(Variant.valueOf(v.toUpperCase(Locale.ROOT)));
          case "attention.dim" -> b.attentionDim(Integer.parseInt(v));
          case "representation.dim" -> b.representationDim(Integer.parseInt(v));
          case "top.k" -> b.topK(Integer.parseInt(v));
          case "max.history" -> b.maxHistory(Integer.parseInt(v));
          case "mlp.hidden" -> {
            List<Integer> sizes = new ArrayList<>();
            for (String s : v.split(",")) {
              sizes.add(Integer.parseInt(s.trim()));
            }
            b.hiddenSizes(sizes.stream().mapToInt(Integer::intValue).toArray());
          }
          case "dense.learning.rate" -> b.denseLearningRate(Float.parseFloat(v));
          case "sparse.learning.rate" -> b.sparseLearningRate(Float.parseFloat(v));
          case "sparse.optimizer" ->
              b.sparseOptimizer(SparseOptimizerKind.valueOf(v.toUpperCase(Locale.ROOT)));
          case "init.std" -> b.initStd(Float.parseFloat(v));
          case "attention.init.std" -> b.attentionInitStd(Float.parseFloat(v));
          case "attention.learning.rate" -> b.attentionLearningRate(Float.parseFloat(v));
          case "attention.positions" -> b.attentionPositions(Boolean.parseBoolean(v));
          case "auxiliary.samples" -> b.auxiliarySamples(Integer.parseInt(v));
          case "straight.through.search" -> b.straightThroughSearch(Boolean.parseBoolean(v));
          case "search.logit.weight" -> b.searchLogitWeight(Float.parseFloat(v));
          case "search.exact.match" -> b.exactMatch(Boolean.parseBoolean(v));
          case "search.exact.match.learning.rate" -> b.exactMatchLearningRate(Float.parseFloat(v));
          case "search.cooccurrence.loss.weight" -> b.cooccurrenceLossWeight(Float.parseFloat(v));
          case "micro.batch.size" -> b.microBatchSize(Integer.parseInt(v));
          case "micro.batch.max.wait.ms" -> b.microBatchMaxWaitMs(Long.parseLong(v));
          case "auxiliary.loss" -> b.auxiliaryLoss(Boolean.parseBoolean(v));
          case "auxiliary.loss.weight" -> b.auxiliaryLossWeight(Float.parseFloat(v));
          case "seed" -> b.seed(Long.parseLong(v));
          case "admission.min.count" -> b.admissionMinCount(Integer.parseInt(v));
          case "expiry.ms" -> b.expiryMs(Long.parseLong(v));
          default -> throw new IllegalArgumentException("unknown model config key '" + key + "'");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad value '" + v + "' for model config key " + key, e);
      }
    }
    // Written before the attention set had settings of its own: it was initialised and trained
    // as the other tables, so a restored model must derive its never-trained rows the same way.
    if (!p.containsKey("attention.init.std")) {
      b.attentionInitStd(b.initStd);
    }
    if (!p.containsKey("attention.learning.rate")) {
      b.attentionLearningRate(b.sparseLearningRate);
    }
    // Not written: a model without the search's logit term and exact-match terms (whatever the
    // builder's defaults are now).
    if (!p.containsKey("search.logit.weight")) {
      b.searchLogitWeight(0f);
    }
    if (!p.containsKey("search.exact.match")) {
      b.exactMatch(false);
    }
    if (!p.containsKey("search.cooccurrence.loss.weight")) {
      b.cooccurrenceLossWeight(0f);
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DareConfig other && toProperties().equals(other.toProperties());
  }

  @Override
  public int hashCode() {
    return toProperties().hashCode();
  }

  @Override
  public String toString() {
    return "DareConfig{" + toProperties().replace('\n', ' ').trim() + "}";
  }

  /** Validating builder of {@link DareConfig}; every setting has the reference default. */
  public static final class Builder {
    private Variant variant = Variant.DARE;
    private int attentionDim = 16;
    private int representationDim = 16;
    private int topK = 20;
    private int maxHistory = 200;
    private int[] hiddenSizes = {200, 80};
    private float denseLearningRate = 1e-3f;
    private float sparseLearningRate = 1e-2f;
    private SparseOptimizerKind sparseOptimizer = SparseOptimizerKind.ADAM;
    // The representation rows (and TWIN's shared ones) start small: at N(0, 1), the reference's
    // init, the online MovieLens AUC fell by 7 points. DARE's attention rows start N(0, 0.1), with
    // the search's logit term and its exact-match terms on: together they gain 3 to 8 AUC points
    // online on Taobao and MovieLens over rows at 1 without them, and the search finds the planted
    // topics (MODEL.md, "The search's exact-match terms"). Rows at 0.01 leave the softmax uniform
    // and lazy Adam's first steps wash them out (issue 17's diagnosis).
    private float initStd = 0.01f;
    private float attentionInitStd = 0.1f;
    private float attentionLearningRate = 1e-2f;
    private boolean attentionPositions = true;
    private int auxiliarySamples = 0;
    private boolean straightThroughSearch = false;
    // Unset: DARE's default (1, on), or the baselines' (0, off) for TWIN and TWIN_PROJ.
    private Float searchLogitWeight;
    private Boolean exactMatch;
    private float exactMatchLearningRate = 3e-2f;
    // Unset: DARE's default (1), or the baselines' (0).
    private Float cooccurrenceLossWeight;
    private int microBatchSize = 256;
    private long microBatchMaxWaitMs = 200;
    private boolean auxiliaryLoss = false;
    private float auxiliaryLossWeight = 1.0f;
    private long seed = 42;
    private int admissionMinCount = 1;
    private long expiryMs = 0;

    private Builder() {}

    public Builder variant(Variant variant) {
      this.variant = Objects.requireNonNull(variant, "variant");
      return this;
    }

    public Builder attentionDim(int perField) {
      this.attentionDim = perField;
      return this;
    }

    public Builder representationDim(int perField) {
      this.representationDim = perField;
      return this;
    }

    public Builder topK(int topK) {
      this.topK = topK;
      return this;
    }

    public Builder maxHistory(int maxHistory) {
      this.maxHistory = maxHistory;
      return this;
    }

    public Builder hiddenSizes(int... sizes) {
      this.hiddenSizes = Objects.requireNonNull(sizes, "hiddenSizes").clone();
      return this;
    }

    public Builder denseLearningRate(float lr) {
      this.denseLearningRate = lr;
      return this;
    }

    public Builder sparseLearningRate(float lr) {
      this.sparseLearningRate = lr;
      return this;
    }

    public Builder sparseOptimizer(SparseOptimizerKind kind) {
      this.sparseOptimizer = Objects.requireNonNull(kind, "sparseOptimizer");
      return this;
    }

    public Builder initStd(float std) {
      this.initStd = std;
      return this;
    }

    public Builder attentionInitStd(float std) {
      this.attentionInitStd = std;
      return this;
    }

    public Builder attentionLearningRate(float lr) {
      this.attentionLearningRate = lr;
      return this;
    }

    public Builder attentionPositions(boolean on) {
      this.attentionPositions = on;
      return this;
    }

    public Builder auxiliarySamples(int samples) {
      this.auxiliarySamples = samples;
      return this;
    }

    /** See {@link DareConfig#searchLogitWeight()}; at least 0. */
    public Builder searchLogitWeight(float weight) {
      this.searchLogitWeight = weight;
      return this;
    }

    /** See {@link DareConfig#exactMatch()}. */
    public Builder exactMatch(boolean on) {
      this.exactMatch = on;
      return this;
    }

    /** See {@link DareConfig#exactMatchLearningRate()}; above 0. */
    public Builder exactMatchLearningRate(float lr) {
      this.exactMatchLearningRate = lr;
      return this;
    }

    /** See {@link DareConfig#cooccurrenceLossWeight()}; at least 0. */
    public Builder cooccurrenceLossWeight(float weight) {
      this.cooccurrenceLossWeight = weight;
      return this;
    }

    public Builder straightThroughSearch(boolean on) {
      this.straightThroughSearch = on;
      return this;
    }

    public Builder microBatchSize(int size) {
      this.microBatchSize = size;
      return this;
    }

    public Builder microBatchMaxWaitMs(long ms) {
      this.microBatchMaxWaitMs = ms;
      return this;
    }

    public Builder auxiliaryLoss(boolean on) {
      this.auxiliaryLoss = on;
      return this;
    }

    public Builder auxiliaryLossWeight(float weight) {
      this.auxiliaryLossWeight = weight;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder admissionMinCount(int count) {
      this.admissionMinCount = count;
      return this;
    }

    public Builder expiryMs(long ms) {
      this.expiryMs = ms;
      return this;
    }

    /**
     * The search's own terms are DARE's: unset, they are on for DARE and off for the baselines,
     * which run as their papers define them (the terms cost TWIN's search on the generated stream:
     * MODEL.md, "The search's exact-match terms"). Set, they apply to any variant.
     */
    private float searchLogitWeightOrDefault() {
      if (searchLogitWeight != null) {
        return searchLogitWeight;
      }
      // The straight-through search's attention gradient comes from the full softmax: no term.
      return variant == Variant.DARE && !straightThroughSearch ? 1f : 0f;
    }

    private boolean exactMatchOrDefault() {
      return exactMatch != null ? exactMatch : variant == Variant.DARE;
    }

    private float cooccurrenceLossWeightOrDefault() {
      if (cooccurrenceLossWeight != null) {
        return cooccurrenceLossWeight;
      }
      return variant == Variant.DARE ? 1f : 0f;
    }

    /** Validates and builds; the message names the offending setting and its value. */
    public DareConfig build() {
      float searchLogitWeight = searchLogitWeightOrDefault();
      List<String> errors = new ArrayList<>();
      positive(errors, "attentionDim", attentionDim);
      positive(errors, "representationDim", representationDim);
      positive(errors, "topK", topK);
      positive(errors, "maxHistory", maxHistory);
      positive(errors, "microBatchSize", microBatchSize);
      positive(errors, "admissionMinCount", admissionMinCount);
      if (hiddenSizes.length == 0) {
        errors.add("hiddenSizes must name at least one layer");
      }
      for (int h : hiddenSizes) {
        positive(errors, "hiddenSizes[]", h);
      }
      if (!(denseLearningRate > 0) || !Float.isFinite(denseLearningRate)) {
        errors.add("denseLearningRate must be > 0, got " + denseLearningRate);
      }
      if (!(sparseLearningRate > 0) || !Float.isFinite(sparseLearningRate)) {
        errors.add("sparseLearningRate must be > 0, got " + sparseLearningRate);
      }
      if (!(initStd >= 0) || !Float.isFinite(initStd)) {
        errors.add("initStd must be >= 0, got " + initStd);
      }
      if (!(attentionInitStd >= 0) || !Float.isFinite(attentionInitStd)) {
        errors.add("attentionInitStd must be >= 0, got " + attentionInitStd);
      }
      if (!(attentionLearningRate > 0) || !Float.isFinite(attentionLearningRate)) {
        errors.add("attentionLearningRate must be > 0, got " + attentionLearningRate);
      }
      if (!(exactMatchLearningRate > 0) || !Float.isFinite(exactMatchLearningRate)) {
        errors.add("exactMatchLearningRate must be > 0, got " + exactMatchLearningRate);
      }
      if (auxiliarySamples < 0) {
        errors.add("auxiliarySamples must be >= 0 (0: all L), got " + auxiliarySamples);
      }
      if (microBatchMaxWaitMs < 0) {
        errors.add("microBatchMaxWaitMs must be >= 0, got " + microBatchMaxWaitMs);
      }
      if (expiryMs < 0) {
        errors.add("expiryMs must be >= 0 (0 disables expiry), got " + expiryMs);
      }
      if (!(searchLogitWeight >= 0) || !Float.isFinite(searchLogitWeight)) {
        errors.add("searchLogitWeight must be >= 0, got " + searchLogitWeight);
      } else if (searchLogitWeight > 0 && straightThroughSearch) {
        errors.add(
            "searchLogitWeight does not go with straightThroughSearch (its attention gradient"
                + " comes from the full softmax): set searchLogitWeight to 0");
      }
      float cooccurrence = cooccurrenceLossWeightOrDefault();
      if (!(cooccurrence >= 0) || !Float.isFinite(cooccurrence)) {
        errors.add("cooccurrenceLossWeight must be >= 0, got " + cooccurrence);
      } else if (cooccurrence > 0 && variant == Variant.TWIN_PROJ) {
        errors.add(
            "cooccurrenceLossWeight does not go with TWIN_PROJ (its search scores through the"
                + " projections, the loss the item rows alone): set it to 0");
      }
      if (!(auxiliaryLossWeight >= 0) || !Float.isFinite(auxiliaryLossWeight)) {
        errors.add("auxiliaryLossWeight must be >= 0, got " + auxiliaryLossWeight);
      }
      if (variant == Variant.TWIN && attentionDim != representationDim) {
        errors.add(
            "TWIN shares one table set, so attentionDim ("
                + attentionDim
                + ") must equal representationDim ("
                + representationDim
                + ")");
      }
      if (!errors.isEmpty()) {
        throw new IllegalArgumentException("invalid DareConfig: " + String.join("; ", errors));
      }
      return new DareConfig(this);
    }

    private static void positive(List<String> errors, String name, long value) {
      if (value <= 0) {
        errors.add(name + " must be > 0, got " + value);
      }
    }
  }
}
