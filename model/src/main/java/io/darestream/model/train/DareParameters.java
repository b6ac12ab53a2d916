package io.darestream.model.train;

import io.darestream.model.DareConfig;
import io.darestream.model.SparseOptimizerKind;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;
import io.darestream.model.embedding.RowInitializer;
import io.darestream.model.embedding.SparseOptimizer;
import io.darestream.model.nn.DenseAdam;
import io.darestream.model.nn.DenseParameters;
import io.darestream.model.nn.MlpWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Everything a DARE model learns (DARE Section 4; DESIGN.md section 4): the attention embedding set
 * E^Att, the representation embedding set E^Repr, and the dense parameters (the MLP and, for
 * TWIN_PROJ, the projections). TWIN uses one shared set for both roles: {@link #attention()} and
 * {@link #representation()} are then the same instance, and TWIN_PROJ adds the {@link Projections}
 * of Section 3.2 to that shared set.
 *
 * <p>The parameters hold no scratch memory: a {@link DareTrainer} and any number of {@link
 * DareScorer}s run over one instance, each with a {@link Workspace} of its own. Not thread-safe by
 * itself; {@code DareModel} owns the locking.
 */
public final class DareParameters {
  /** The dense block of the search's exact-match weights {@code [item, category]} (starts at 0). */
  public static final String EXACT_MATCH_BLOCK = "search.match";

  private final DareConfig cfg;
  private final boolean projected;
  private final FieldTables attention;
  private final FieldTables representation;
  private final List<EmbeddingTable> tables = new ArrayList<>();
  private final DenseParameters dense = new DenseParameters();
  private final MlpWeights mlp;
  private final Projections projections;
  private final float[] exactMatch;
  private final NetworkShape shape;
  private long version;

  /** Fresh parameters: rows are created lazily, dense parameters initialised from the seed. */
  public DareParameters(DareConfig cfg) {
    this.cfg = cfg;
    Variant variant = cfg.variant();
    this.projected = variant == Variant.TWIN_PROJ;
    SparseOptimizerKind kind = cfg.sparseOptimizer();
    float lr = cfg.sparseLearningRate();
    if (variant == Variant.DARE) {
      attention =
          fieldTables(
              "att", cfg.attentionDim(), kind, cfg.attentionLearningRate(), cfg.attentionInitStd());
      representation = fieldTables("repr", cfg.representationDim(), kind, lr, cfg.initStd());
    } else {
      attention = fieldTables("shared", cfg.representationDim(), kind, lr, cfg.initStd());
      representation = attention;
    }
    addTables(attention);
    if (representation != attention) {
      addTables(representation);
    }
    shape = NetworkShape.of(cfg, attention.dim(), representation.dim(), projected);
    // The MLP first, then the projections: the order the seed's draws and the dense blocks take.
    SplittableRandom rng = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);
    mlp = new MlpWeights(dense, shape.xDim(), cfg.hiddenSizes(), rng);
    projections =
        projected ? Projections.register(dense, shape.rDim(), shape.projDim(), rng) : null;
    // Last, and drawing nothing: a model without it keeps the other blocks' initial values.
    exactMatch = cfg.exactMatch() ? dense.register(EXACT_MATCH_BLOCK, 2) : null;
  }

  private FieldTables fieldTables(
      String prefix, int dim, SparseOptimizerKind kind, float lr, float initStd) {
    return new FieldTables(
        table(prefix + ".item", dim, kind, lr, initStd),
        table(prefix + ".category", dim, kind, lr, initStd),
        table(prefix + ".position", dim, kind, lr, initStd));
  }

  private EmbeddingTable table(
      String name, int dim, SparseOptimizerKind kind, float lr, float initStd) {
    return new EmbeddingTable(
        name,
        dim,
        SparseOptimizer.of(kind, lr),
        new RowInitializer(cfg.seed(), name, initStd),
        cfg.admissionMinCount(),
        cfg.expiryMs());
  }

  private void addTables(FieldTables t) {
    tables.add(t.item());
    tables.add(t.category());
    tables.add(t.position());
  }

  public DareConfig config() {
    return cfg;
  }

  /** E^Att: the set the search scores with (the shared set for TWIN and TWIN_PROJ). */
  public FieldTables attention() {
    return attention;
  }

  /** E^Repr: the set the aggregation and the MLP read (the shared set for TWIN and TWIN_PROJ). */
  public FieldTables representation() {
    return representation;
  }

  /** Every embedding table, attention set first; a shared set appears once. */
  public List<EmbeddingTable> tables() {
    return List.copyOf(tables);
  }

  /** The dense parameters: the MLP's blocks and, for TWIN_PROJ, the projections'. */
  public DenseParameters dense() {
    return dense;
  }

  /** The MLP's weights (live blocks of {@link #dense()}). */
  public MlpWeights mlp() {
    return mlp;
  }

  /**
   * The live exact-match weights {@code [β, γ]} of {@link DareConfig#exactMatch()} (a block of
   * {@link #dense()}), or null without them.
   */
  float[] exactMatch() {
    return exactMatch;
  }

  /**
   * The dense optimizer for these parameters: Adam at the dense learning rate, the exact-match
   * weights at their own.
   */
  public DenseAdam newDenseAdam() {
    return exactMatch == null
        ? new DenseAdam(cfg.denseLearningRate())
        : new DenseAdam(
            cfg.denseLearningRate(), Map.of(EXACT_MATCH_BLOCK, cfg.exactMatchLearningRate()));
  }

  /** True for TWIN_PROJ, whose search and aggregation run through {@link #projections()}. */
  public boolean projected() {
    return projected;
  }

  /** The TWIN_PROJ projections, or null for the other variants. */
  public Projections projections() {
    return projections;
  }

  NetworkShape shape() {
    return shape;
  }

  /** Training steps applied, or the version set by a restore or a delta. */
  public long version() {
    return version;
  }

  public void setVersion(long version) {
    this.version = version;
  }

  /** Counts one training step; returns the new version. */
  long advanceVersion() {
    return ++version;
  }
}
