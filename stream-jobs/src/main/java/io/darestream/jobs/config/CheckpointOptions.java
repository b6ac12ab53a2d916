package io.darestream.jobs.config;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateBackendOptions;

/**
 * Checkpointing and state backend of the job. Flink 2.x configures both through the {@link
 * Configuration} of the environment (there is no {@code setStateBackend}); {@link
 * #applyTo(Configuration)} writes the Flink keys.
 */
public final class CheckpointOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ConfigOption<Duration> INTERVAL =
      ConfigOptions.key("dare.checkpoint.interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription(
              "Checkpoint interval. Exactly-once output becomes visible and snapshots are"
                  + " published once per checkpoint, so this bounds their latency.");

  public static final ConfigOption<String> DIR =
      ConfigOptions.key("dare.checkpoint.dir")
          .stringType()
          .defaultValue("file:///tmp/dare-stream/checkpoints")
          .withDescription(
              "Checkpoint storage directory (URI). When not given, the cluster's"
                  + " execution.checkpointing.dir is used if it has one.");

  public static final ConfigOption<Boolean> INCREMENTAL =
      ConfigOptions.key("dare.checkpoint.incremental")
          .booleanType()
          .defaultValue(true)
          .withDescription("Incremental RocksDB checkpoints: upload only new SST files.");

  private final Duration interval;
  private final String dir;
  private final boolean incremental;

  private CheckpointOptions(ReadableConfig c) {
    this.interval = Checks.positiveDuration(c, INTERVAL);
    this.dir = Checks.notBlank(c, DIR);
    this.incremental = c.get(INCREMENTAL);
  }

  /** Reads and checks the options from {@code config}. */
  public static CheckpointOptions from(ReadableConfig config) {
    return new CheckpointOptions(config);
  }

  /**
   * The job's {@code config} with {@link #DIR} taken from the cluster when the job does not set it:
   * {@link #applyTo} writes {@link #DIR} over Flink's {@code execution.checkpointing.dir}, so
   * without this a cluster's configured checkpoint storage would lose to this option's local
   * default. Does nothing when the job sets {@link #DIR} or the cluster sets no directory.
   *
   * @param cluster the cluster's configuration (on {@code flink run}: the client's Flink config)
   */
  public static Configuration inheritClusterDir(Configuration config, ReadableConfig cluster) {
    if (!config.contains(DIR)) {
      cluster
          .getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)
          .filter(dir -> !dir.isBlank())
          .ifPresent(dir -> config.set(DIR, dir));
    }
    return config;
  }

  public Duration interval() {
    return interval;
  }

  public String dir() {
    return dir;
  }

  public boolean incremental() {
    return incremental;
  }

  /**
   * Writes RocksDB as state backend and these checkpoint settings into the Flink {@code config}
   * that the execution environment is created from.
   */
  public Configuration applyTo(Configuration config) {
    config.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
    config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, incremental);
    config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
    return config;
  }
}
