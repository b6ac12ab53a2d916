package io.darestream.jobs.cli;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code train}: the dare-train job's entry point for {@code flink run ... dare-stream.jar train}.
 * The common settings have short flags; any option of the {@code *Options} classes can be given as
 * {@code --dare.some.key value} (and Flink's own keys the same way).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the dare-train Flink job against Kafka (submit with: flink run <jar> train ...).",
      "Any job option can be given as --dare.<key> <value>; see README.md, Configuration.",
      ""
    })
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--snapshot-dir", description = "Where model snapshots for serving go.")
  String snapshotDir;

  @Option(
      names = "--checkpoint-dir",
      description =
          "Checkpoint storage URI, shared by the cluster (e.g. file:///flink/checkpoints).")
  String checkpointDir;

  @Option(names = "--label-mode", description = "IMPRESSION or CLICK_ONLY.")
  String labelMode;

  @Option(names = "--variant", description = "DARE, TWIN or TWIN_PROJ.")
  String variant;

  @Option(names = "--parallelism", description = "Parallelism of ingest and sequence stages.")
  Integer parallelism;

  @Unmatched List<String> passThrough = new ArrayList<>();

  /** The short flags and the option each one sets; the compose consistency test reads this. */
  static Map<String, ConfigOption<?>> shortFlags() {
    Map<String, ConfigOption<?>> m = new LinkedHashMap<>();
    m.put("--bootstrap-servers", KafkaOptions.BOOTSTRAP_SERVERS);
    m.put("--snapshot-dir", TrainerOptions.SNAPSHOT_DIR);
    m.put("--checkpoint-dir", CheckpointOptions.DIR);
    m.put("--label-mode", LabelOptions.MODE);
    m.put("--variant", ModelOptions.VARIANT);
    m.put("--parallelism", DareJobOptions.PARALLELISM);
    return m;
  }

  /** The arguments for {@link DareTrainJob#main}: {@code --dare.key value} pairs. */
  String[] jobArgs() {
    List<String> out = new ArrayList<>();
    put(out, KafkaOptions.BOOTSTRAP_SERVERS, bootstrapServers);
    put(out, TrainerOptions.SNAPSHOT_DIR, snapshotDir);
    put(out, CheckpointOptions.DIR, checkpointDir);
    put(out, LabelOptions.MODE, labelMode);
    put(out, ModelOptions.VARIANT, variant);
    put(out, DareJobOptions.PARALLELISM, parallelism == null ? null : parallelism.toString());
    out.addAll(passThrough);
    return out.toArray(String[]::new);
  }

  private static void put(List<String> out, ConfigOption<?> option, String value) {
    if (value != null) {
      out.add("--" + option.key());
      out.add(value);
    }
  }

  /** Reads every option the job will read, so a bad value is one line here, not a failed job. */
  static Configuration checkedConfig(String[] jobArgs) {
    for (String a : jobArgs) {
      if (a.startsWith("-") && !a.startsWith("--")) {
        throw new CliException("unknown option " + a + " (job options are --dare.<key> <value>)");
      }
    }
    Configuration config;
    try {
      config = DareJobOptions.parseArgs(jobArgs);
      DareJobOptions options = DareJobOptions.from(config);
      ModelOptions.from(config, options.trainer());
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    return config;
  }

  @Override
  public Integer call() throws Exception {
    String[] args = jobArgs();
    checkedConfig(args);
    DareTrainJob.main(args);
    return 0;
  }
}
