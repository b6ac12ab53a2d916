package io.darestream.jobs.job;

import io.darestream.jobs.bootstrap.PretrainedDir;
import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.kafka.BrokerProbe;
import io.darestream.schemas.serde.AvroTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code train}: the dare-train job's entry point. It is the main class of the slim job jar ({@code
 * flink run dare-stream-job.jar --bootstrap-servers ...}) and the {@code train} command of the
 * launcher ({@code java -jar dare-stream.jar train ...}). The common settings have short flags; any
 * option of the {@code *Options} classes can be given as {@code --dare.some.key value} (and Flink's
 * own keys the same way).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the dare-train Flink job against Kafka (submit with: flink run dare-stream-job.jar ...).",
      "Any job option can be given as --dare.<key> <value>; see README.md, Configuration.",
      ""
    })
public final class TrainCommand implements Callable<Integer> {
  /** How long the client waits for a broker before it warns (the job starts either way). */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  @Spec CommandSpec spec;

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

  @Option(
      names = "--trainer-parallelism",
      description =
          "Trainer subtasks (default 1): N trainers, N row owners, one dense averager. A job"
              + " restored from a savepoint may change it.")
  Integer trainerParallelism;

  @Option(
      names = "--from-savepoint",
      description =
          "A directory `pretrain` wrote: the job starts from its savepoint (every user's sequence,"
              + " label-join state and sampler window) and the trainer from its model snapshot.")
  Path fromSavepoint;

  @Unmatched List<String> passThrough = new ArrayList<>();

  /** The arguments that are not short flags, passed on to the job as {@code --key value} pairs. */
  public List<String> unmatchedArgs() {
    return List.copyOf(passThrough);
  }

  /** The short flags and the option each one sets; the compose consistency test reads this. */
  public static Map<String, ConfigOption<?>> shortFlags() {
    Map<String, ConfigOption<?>> m = new LinkedHashMap<>();
    m.put("--bootstrap-servers", KafkaOptions.BOOTSTRAP_SERVERS);
    m.put("--snapshot-dir", TrainerOptions.SNAPSHOT_DIR);
    m.put("--checkpoint-dir", CheckpointOptions.DIR);
    m.put("--label-mode", LabelOptions.MODE);
    m.put("--variant", ModelOptions.VARIANT);
    m.put("--parallelism", DareJobOptions.PARALLELISM);
    m.put("--trainer-parallelism", TrainerOptions.PARALLELISM);
    return m;
  }

  /** The arguments for {@link DareTrainJob#main}: {@code --dare.key value} pairs. */
  public String[] jobArgs() {
    List<String> out = new ArrayList<>();
    put(out, KafkaOptions.BOOTSTRAP_SERVERS, bootstrapServers);
    put(out, TrainerOptions.SNAPSHOT_DIR, snapshotDir);
    put(out, CheckpointOptions.DIR, checkpointDir);
    put(out, LabelOptions.MODE, labelMode);
    put(out, ModelOptions.VARIANT, variant);
    put(out, DareJobOptions.PARALLELISM, parallelism == null ? null : parallelism.toString());
    put(
        out,
        TrainerOptions.PARALLELISM,
        trainerParallelism == null ? null : trainerParallelism.toString());
    if (fromSavepoint != null) {
      PretrainedDir dir;
      try {
        dir = PretrainedDir.of(fromSavepoint);
      } catch (IllegalArgumentException e) {
        throw new JobArgumentException("--from-savepoint: " + e.getMessage());
      }
      put(out, StateRecoveryOptions.SAVEPOINT_PATH, dir.savepoint().toUri().toString());
      put(out, TrainerOptions.INITIAL_SNAPSHOT, dir.snapshots().toString());
    }
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
  public static Configuration checkedConfig(String[] jobArgs) {
    for (int i = 0; i < jobArgs.length; i++) {
      String a = jobArgs[i];
      // A negative number after a key is that key's value (--dare.model.seed -1), not an option.
      boolean valueOfKey = i > 0 && jobArgs[i - 1].startsWith("--") && isNumber(a);
      if (a.startsWith("-") && !a.startsWith("--") && !valueOfKey) {
        throw new JobArgumentException(
            "unknown option " + a + " (job options are --dare.<key> <value>)");
      }
    }
    Configuration config;
    try {
      config = DareJobOptions.parseArgs(jobArgs);
      DareJobOptions options = DareJobOptions.from(config);
      ModelOptions.from(config, options.trainer());
    } catch (IllegalArgumentException e) {
      throw new JobArgumentException(e.getMessage());
    }
    return config;
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The job jar's main: parses the flags, checks every option, then runs the job. */
  public static void main(String[] args) {
    AvroTrust.ensure();
    CommandLine cmd = new CommandLine(new TrainCommand());
    cmd.setExecutionExceptionHandler(
        (e, c, parsed) -> {
          if (e instanceof JobArgumentException) {
            c.getErr().println(c.getCommandName() + ": " + e.getMessage());
            return 2;
          }
          throw e;
        });
    System.exit(cmd.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String[] args = jobArgs();
    Configuration config = checkedConfig(args);
    String warning =
        BrokerProbe.unreachableWarning(config.get(KafkaOptions.BOOTSTRAP_SERVERS), PROBE_TIMEOUT);
    if (warning != null) {
      spec.commandLine().getErr().println(spec.name() + ": " + warning);
      spec.commandLine().getErr().flush();
    }
    DareTrainJob.main(args);
    return 0;
  }
}
