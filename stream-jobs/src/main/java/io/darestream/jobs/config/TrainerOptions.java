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

  public static final ConfigOption<Integer> SNAPSHOT_RETENTION =
      ConfigOptions.key("dare.trainer.snapshot-retention")
          .intType()
          .defaultValue(3)
          .withDescription("How many published snapshots are kept; older ones are deleted.");

  private final int microBatchSize;
  private final Duration maxWait;
  private final Duration publishInterval;
  private final Duration densePublishInterval;
  private final String snapshotDir;
  private final int snapshotRetention;

  private TrainerOptions(ReadableConfig c) {
    this.microBatchSize = Checks.positive(c, MICRO_BATCH_SIZE);
    this.maxWait = Checks.positiveDuration(c, MAX_WAIT);
    this.publishInterval = Checks.positiveDuration(c, PUBLISH_INTERVAL);
    this.densePublishInterval = Checks.positiveDuration(c, DENSE_PUBLISH_INTERVAL);
    this.snapshotDir = Checks.notBlank(c, SNAPSHOT_DIR);
    this.snapshotRetention = Checks.positive(c, SNAPSHOT_RETENTION);
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

  public int snapshotRetention() {
    return snapshotRetention;
  }
}
