package io.darestream.app.local;

import io.darestream.app.replay.EventSource;
import io.darestream.app.replay.Pacer;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.model.Variant;
import io.darestream.schemas.generator.GroundTruth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * Everything a local run needs, checked by the command before anything starts.
 *
 * @param dataset opens the events to replay; told the events read while a file is sorted
 * @param labelMode how the job makes samples from this dataset
 * @param variants trained side by side on the same samples; the first is served
 * @param servingPort HTTP port of serving
 * @param webUiPort port of the Flink web UI
 * @param workDir Kafka log, checkpoints, snapshots and serving data of the run
 * @param fresh wipe what an earlier run left in the work dir instead of resuming it
 * @param reportDir where the report is written
 * @param exitWhenDone stop once everything is trained instead of serving until Ctrl-C
 * @param pacer how fast the replay goes
 * @param maxBacklog the replay waits while the job is more than this many events behind (0: never)
 * @param checkpointInterval how often the job checkpoints (and so publishes snapshots)
 * @param jobOptions further {@code dare.*} (or Flink) options, applied last
 * @param variantOptions model options of single variants ({@code dare.model.*}), applied after
 *     {@code jobOptions} to that variant only
 * @param settingsForReport what the report lists as the run's settings
 * @param plantedTruth the stream's planted ground truth (a generated stream), against which the run
 *     measures each variant's retrieval quality; null for a dataset without one
 */
public record LocalSettings(
    Function<LongConsumer, EventSource> dataset,
    LabelMode labelMode,
    List<Variant> variants,
    int servingPort,
    int webUiPort,
    Path workDir,
    boolean fresh,
    Path reportDir,
    boolean exitWhenDone,
    Pacer pacer,
    long maxBacklog,
    Duration checkpointInterval,
    Map<String, String> jobOptions,
    Map<Variant, Map<String, String>> variantOptions,
    Map<String, String> settingsForReport,
    GroundTruth plantedTruth) {
  /** Partitions of behavior-events in a local run (the job reads them with parallelism 1). */
  public static final int EVENT_PARTITIONS = 2;

  public LocalSettings {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(labelMode, "labelMode");
    variants = List.copyOf(variants);
    if (variants.isEmpty()) {
      throw new IllegalArgumentException("at least one variant is required");
    }
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(reportDir, "reportDir");
    Objects.requireNonNull(pacer, "pacer");
    jobOptions = Map.copyOf(jobOptions);
    Map<Variant, Map<String, String>> copy = new EnumMap<>(Variant.class);
    variantOptions.forEach((v, o) -> copy.put(v, Map.copyOf(o)));
    variantOptions = Collections.unmodifiableMap(copy);
    if (!variants.containsAll(variantOptions.keySet())) {
      throw new IllegalArgumentException(
          "options for variants " + variantOptions.keySet() + " that do not run: " + variants);
    }
    settingsForReport = Collections.unmodifiableMap(new LinkedHashMap<>(settingsForReport));
  }
}
