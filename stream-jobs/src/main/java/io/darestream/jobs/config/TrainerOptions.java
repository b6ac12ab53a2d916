package io.darestream.jobs.config;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Micro-batching and publishing of the trainer stage. */
public final class TrainerOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ConfigOption<Integer> MICRO_BATCH_SIZE =
      ConfigOptions.key("dare.trainer.micro-batch-size")
          .intType()
          .defaultValue(64)
          .withDescription(
              "Samples per training step (dense math is batched). Online, smaller steps learn"
                  + " more from few samples: on local's default generated stream 64 reached"
                  + " prequential AUC 0.707 over the last 10,000 samples, 256 reached 0.674.");

  public static final ConfigOption<Duration> MAX_WAIT =
      ConfigOptions.key("dare.trainer.max-wait")
          .durationType()
          .defaultValue(Duration.ofMillis(200))
          .withDescription(
              "A partial micro-batch is trained after waiting this long (processing time), so a"
                  + " slow stream still updates the model.");

  public static final ConfigOption<Duration> PUBLISH_INTERVAL =
      ConfigOptions.key("dare.trainer.publish-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription("How often changed embedding rows are published to model-deltas.");

  public static final ConfigOption<Duration> DENSE_PUBLISH_INTERVAL =
      ConfigOptions.key("dare.trainer.dense-publish-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("How often the dense (MLP) parameters are published to model-deltas.");

  public static final ConfigOption<String> SNAPSHOT_DIR =
      ConfigOptions.key("dare.trainer.snapshot-dir")
          .stringType()
          .defaultValue("/tmp/dare-stream/snapshots")
          .withDescription("Directory (or URI) where published model snapshots are written.");

  public static final ConfigOption<String> INITIAL_SNAPSHOT =
      ConfigOptions.key("dare.trainer.initial-snapshot")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "A model snapshot (a snapshot directory, or a directory of snapshots: the newest"
                  + " valid one) that a trainer starting without restored state begins from,"
                  + " e.g. the one `pretrain` wrote. Its model config must be the job's. A restore"
                  + " from a checkpoint ignores it. The sharded stage starts from it too: each"
                  + " row owner takes the rows of its key groups, the dense averager the dense"
                  + " model, each trainer the whole model as its replica.");

  public static final ConfigOption<Integer> SNAPSHOT_RETENTION =
      ConfigOptions.key("dare.trainer.snapshot-retention")
          .intType()
          .defaultValue(3)
          .withDescription("How many published snapshots are kept; older ones are deleted.");

  public static final ConfigOption<Integer> PARALLELISM =
      ConfigOptions.key("dare.trainer.parallelism")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Trainer subtasks of the sharded training stage: N trainers (each a disjoint"
                  + " share of the users' samples) send their row gradients to N row owners (one"
                  + " writer per row, by key group) and average their dense copies every"
                  + " dense-average-interval. The model is Flink keyed state: a job restored at"
                  + " another parallelism keeps every row.");

  public static final ConfigOption<Boolean> SHARDED =
      ConfigOptions.key("dare.trainer.sharded")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "false runs the single trainer operator instead of the sharded stage: the"
                  + " training path before the sharded stage, at parallelism 1 only, with its"
                  + " model in a store beside Flink's state; kept for jobs that still run it,"
                  + " to be removed. Move such a job to the sharded stage from a savepoint with"
                  + " its snapshot as dare.trainer.initial-snapshot (README, Scale training).");

  public static final ConfigOption<Integer> MAX_PARALLELISM =
      ConfigOptions.key("dare.trainer.max-parallelism")
          .intType()
          .defaultValue(128)
          .withDescription(
              "Key groups of the row owners: the most trainer subtasks the model state can ever"
                  + " be rescaled to; also every operator's max parallelism, so that a restore at"
                  + " another parallelism maps all state. Fixed for the life of the model's"
                  + " checkpoints.");

  public static final ConfigOption<Duration> GRADIENT_WINDOW =
      ConfigOptions.key("dare.trainer.gradient-window")
          .durationType()
          .defaultValue(Duration.ofMillis(100))
          .withDescription(
              "Sharded stage: how long a trainer buffers row gradients before sending them to the"
                  + " owners (also sent at every checkpoint barrier and when the window is full).");

  public static final ConfigOption<Integer> GRADIENT_WINDOW_ROWS =
      ConfigOptions.key("dare.trainer.gradient-window-rows")
          .intType()
          .defaultValue(65_536)
          .withDescription(
              "Sharded stage: entries (rows, or rows and micro-batches when not coalescing) at"
                  + " which a trainer's gradient window is sent early (bounds its memory).");

  public static final ConfigOption<Boolean> COALESCE_ROW_GRADIENTS =
      ConfigOptions.key("dare.trainer.coalesce-row-gradients")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Sharded stage: sum each row's gradients over a gradient window (one entry per row;"
                  + " the owner takes one step per contributing micro-batch with the mean gradient)"
                  + " instead of sending one entry per row and micro-batch (the owner takes the"
                  + " single trainer's steps). Coalescing sends fewer rows to the owners but lost"
                  + " about 1.5 AUC points at parallelism 1 on MovieLens (MODEL.md).");

  public static final ConfigOption<Duration> DENSE_AVERAGE_INTERVAL =
      ConfigOptions.key("dare.trainer.dense-average-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription(
              "Sharded stage: how often each trainer sends its dense progress to the dense"
                  + " averager (also before every checkpoint barrier); the dense model is published"
                  + " to model-deltas and adopted by every trainer.");

  public static final ConfigOption<DenseMerge> DENSE_MERGE =
      ConfigOptions.key("dare.trainer.dense-merge")
          .enumType(DenseMerge.class)
          .defaultValue(DenseMerge.AVERAGE)
          .withDescription(
              "Sharded stage: how the dense averager folds the trainers' dense progress (what each"
                  + " trained since its previous send) into the one dense model: AVERAGE adds the"
                  + " mean (model averaging: it moves 1/N as far per round), SUM adds the sum (every"
                  + " trainer's steps count fully, as the single trainer's do, on stale copies)."
                  + " Same at N = 1. Measured on MovieLens, 3 seeds: SUM is 1.0 AUC point below"
                  + " AVERAGE at N = 2 and 3.1 below at N = 4 (MODEL.md, Parallel training).");

  /** How the dense averager folds the trainers' dense progress into the dense model. */
  public enum DenseMerge {
    /** G += Σ progress. */
    SUM,
    /** G += Σ progress / N (model averaging). */
    AVERAGE
  }

  private final int microBatchSize;
  private final int parallelism;
  private final boolean sharded;
  private final int maxParallelism;
  private final Duration gradientWindow;
  private final int gradientWindowRows;
  private final boolean coalesceRowGradients;
  private final Duration denseAverageInterval;
  private final DenseMerge denseMerge;
  private final Duration maxWait;
  private final Duration publishInterval;
  private final Duration densePublishInterval;
  private final String snapshotDir;
  private final String initialSnapshot;
  private final int snapshotRetention;

  private TrainerOptions(ReadableConfig c) {
    this.microBatchSize = Checks.positive(c, MICRO_BATCH_SIZE);
    this.maxWait = Checks.positiveDuration(c, MAX_WAIT);
    this.publishInterval = Checks.positiveDuration(c, PUBLISH_INTERVAL);
    this.densePublishInterval = Checks.positiveDuration(c, DENSE_PUBLISH_INTERVAL);
    this.snapshotDir = Checks.notBlank(c, SNAPSHOT_DIR);
    this.snapshotRetention = Checks.positive(c, SNAPSHOT_RETENTION);
    this.parallelism = Checks.positive(c, PARALLELISM);
    this.maxParallelism = Checks.positive(c, MAX_PARALLELISM);
    // Flink's own bound on max parallelism (KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM).
    if (maxParallelism > 32_768) {
      throw new IllegalArgumentException(
          MAX_PARALLELISM.key() + " must be at most 32768, got " + maxParallelism);
    }
    if (parallelism > maxParallelism) {
      throw new IllegalArgumentException(
          PARALLELISM.key()
              + " is "
              + parallelism
              + " but "
              + MAX_PARALLELISM.key()
              + " is "
              + maxParallelism
              + ": the trainers cannot outnumber the model's key groups");
    }
    this.sharded = c.get(SHARDED);
    if (!sharded && parallelism > 1) {
      throw new IllegalArgumentException(
          SHARDED.key()
              + " is false (the single trainer, parallelism 1 only) but "
              + PARALLELISM.key()
              + " is "
              + parallelism);
    }
    this.initialSnapshot = c.getOptional(INITIAL_SNAPSHOT).filter(v -> !v.isBlank()).orElse(null);
    this.gradientWindow = Checks.positiveDuration(c, GRADIENT_WINDOW);
    this.gradientWindowRows = Checks.positive(c, GRADIENT_WINDOW_ROWS);
    this.coalesceRowGradients = c.get(COALESCE_ROW_GRADIENTS);
    this.denseAverageInterval = Checks.positiveDuration(c, DENSE_AVERAGE_INTERVAL);
    this.denseMerge = c.get(DENSE_MERGE);
  }

  /** Reads and checks the options from {@code config}. */
  public static TrainerOptions from(ReadableConfig config) {
    return new TrainerOptions(config);
  }

  public int microBatchSize() {
    return microBatchSize;
  }

  public Duration maxWait() {
    return maxWait;
  }

  public Duration publishInterval() {
    return publishInterval;
  }

  public Duration densePublishInterval() {
    return densePublishInterval;
  }

  public String snapshotDir() {
    return snapshotDir;
  }

  /** The snapshot a fresh trainer starts from, or empty for a new model. */
  public java.util.Optional<String> initialSnapshot() {
    return java.util.Optional.ofNullable(initialSnapshot);
  }

  public int snapshotRetention() {
    return snapshotRetention;
  }

  /** Trainer subtasks (1: the single trainer operator). */
  public int parallelism() {
    return parallelism;
  }

  /** Whether the sharded stage trains (the default), not the single trainer operator. */
  public boolean sharded() {
    return sharded;
  }

  /** Key groups of the row owners. */
  public int maxParallelism() {
    return maxParallelism;
  }

  public Duration gradientWindow() {
    return gradientWindow;
  }

  public int gradientWindowRows() {
    return gradientWindowRows;
  }

  /** Whether a trainer sums each row's gradients over its window (else one entry per batch). */
  public boolean coalesceRowGradients() {
    return coalesceRowGradients;
  }

  public Duration denseAverageInterval() {
    return denseAverageInterval;
  }

  public DenseMerge denseMerge() {
    return denseMerge;
  }
}
