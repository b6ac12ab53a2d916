package io.darestream.jobs.config;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.util.ParameterTool;

/**
 * All typed options of the dare-train job, read once from a Flink configuration and checked, so a
 * wrong value fails at submission rather than inside a task.
 */
public final class DareJobOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ConfigOption<Integer> PARALLELISM =
      ConfigOptions.key("dare.parallelism")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Parallelism of the ingest and sequence stages; at most the events topic's"
                  + " partition count is useful for the source.");

  private final int parallelism;
  private final KafkaOptions kafka;
  private final IngestOptions ingest;
  private final SequenceOptions sequence;
  private final LabelOptions labels;
  private final TrainerOptions trainer;
  private final CheckpointOptions checkpoint;

  private DareJobOptions(ReadableConfig c) {
    this.parallelism = Checks.positive(c, PARALLELISM);
    this.kafka = KafkaOptions.from(c);
    this.ingest = IngestOptions.from(c);
    this.sequence = SequenceOptions.from(c);
    this.labels = LabelOptions.from(c);
    this.trainer = TrainerOptions.from(c);
    this.checkpoint = CheckpointOptions.from(c);
    if (parallelism > trainer.maxParallelism()) {
      throw new IllegalArgumentException(
          PARALLELISM.key()
              + " is "
              + parallelism
              + " but "
              + TrainerOptions.MAX_PARALLELISM.key()
              + " is "
              + trainer.maxParallelism()
              + ": it is every operator's max parallelism");
    }
  }

  /**
   * Reads and checks every option from {@code config} (defaults for absent keys). A {@link
   * Configuration} holding a {@code dare.*} key that no option has is refused ({@link KnownKeys}).
   */
  public static DareJobOptions from(ReadableConfig config) {
    if (config instanceof Configuration c) {
      KnownKeys.rejectUnknown(c.keySet());
    }
    return new DareJobOptions(config);
  }

  /**
   * Parses {@code --dare.some.key value} arguments into a configuration. Unknown keys pass through,
   * so Flink's own keys (e.g. {@code --execution.checkpointing.timeout 5min}) can be given too.
   */
  public static Configuration parseArgs(String[] args) {
    rejectRepeatedKeys(args);
    Map<String, String> map = ParameterTool.fromArgs(args).toMap();
    return Configuration.fromMap(map);
  }

  /**
   * Refuses a key given twice ({@code --bootstrap-servers a --dare.kafka.bootstrap-servers b}): the
   * last one would win without a word.
   */
  private static void rejectRepeatedKeys(String[] args) {
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || args[i].length() == 2) {
        continue;
      }
      String key = args[i].substring(2);
      boolean hasValue = i + 1 < args.length && !args[i + 1].startsWith("--");
      String value = hasValue ? args[i + 1] : "(no value)";
      String earlier = seen.putIfAbsent(key, value);
      if (earlier != null) {
        throw new IllegalArgumentException(
            key
                + " is given twice ("
                + earlier
                + ", then "
                + value
                + "; a short flag such as --bootstrap-servers sets its dare.* key): give it once");
      }
    }
  }

  public int parallelism() {
    return parallelism;
  }

  public KafkaOptions kafka() {
    return kafka;
  }

  public IngestOptions ingest() {
    return ingest;
  }

  public SequenceOptions sequence() {
    return sequence;
  }

  public LabelOptions labels() {
    return labels;
  }

  public TrainerOptions trainer() {
    return trainer;
  }

  public CheckpointOptions checkpoint() {
    return checkpoint;
  }
}
