package io.darestream.app.cli;

import io.darestream.app.pretrain.EventTime;
import io.darestream.app.pretrain.Pretrainer;
import io.darestream.app.replay.EventSource;
import io.darestream.app.replay.ProgressLine;
import io.darestream.app.replay.ReplayResult;
import io.darestream.app.replay.Units;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.model.Variant;
import io.darestream.schemas.serde.AvroTrust;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pretrain}: trains on history and writes a model snapshot and the job's state. */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    description = {
      "Reads history in event-time order up to --until and writes, under --out: snapshots/ (the"
          + " model trained on it, with the job's own samples: label modes, negatives, sequences)"
          + " and savepoint/ (the job's state after it: every user's sequence, pending"
          + " impressions, the negative sampler's window; a Flink savepoint).",
      "Then: dare-stream train --from-savepoint DIR (or flink run -s DIR/savepoint ..."
          + " --dare.trainer.initial-snapshot DIR/snapshots); serve --snapshot-dir DIR/snapshots.",
      ""
    })
public final class PretrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin DatasetOptions dataset;

  @Option(
      names = "--until",
      defaultValue = "all",
      paramLabel = "TIME",
      description =
          "Last event time of the history: all (default), an instant (2017-12-01T00:00:00Z), a"
              + " date (UTC midnight) or epoch milliseconds.")
  String until;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Option(
      names = "--engine",
      defaultValue = "java",
      paramLabel = "java|djl",
      description = "Training engine (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      paramLabel = "cpu|gpu",
      description = "Device of the djl engine (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--label-mode",
      paramLabel = "IMPRESSION|CLICK_ONLY",
      description =
          "How samples are made; the default is local's (CLICK_ONLY for Taobao and MovieLens).")
  LabelMode labelMode;

  @Option(
      names = "--variant",
      defaultValue = "DARE",
      description = "DARE, TWIN or TWIN_PROJ (default: ${DEFAULT-VALUE}).")
  Variant variant;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Any job option (dare.model.*, dare.sequence.*, dare.label.*); pass the same to the"
              + " job that starts from the output. Repeatable.")
  List<String> setPairs = new ArrayList<>();

  /** The job configuration the history is pretrained with. */
  Configuration jobConfig() {
    Map<String, String> set = KeyValuePairs.parse("--set", setPairs);
    Map<String, String> c = new LinkedHashMap<>();
    c.put(
        LabelOptions.MODE.key(),
        (labelMode != null ? labelMode : dataset.defaultLabelMode()).name());
    c.put(ModelOptions.VARIANT.key(), variant.name());
    c.putAll(set);
    return Configuration.fromMap(c);
  }

  @Override
  public Integer call() throws Exception {
    AvroTrust.ensure();
    dataset.validate();
    long untilMs;
    DareJobOptions options;
    ModelOptions model;
    try {
      untilMs = EventTime.parse(until);
      Configuration config = jobConfig();
      options = DareJobOptions.from(config);
      model = ModelOptions.from(config, options.trainer());
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    PrintWriter err = spec.commandLine().getErr();
    ProgressLine line = ProgressLine.on(err);
    long start = System.nanoTime();
    Pretrainer.Result r;
    List<String> skipLines;
    try (EventSource source =
        dataset.open(n -> line.update("pretrain: sorting by event time, " + Units.count(n)))) {
      line.finish("pretrain: " + source.description() + " up to " + describe(untilMs));
      try {
        r = new Pretrainer(options, model).run(source, untilMs, engine, device, out, s -> {});
      } catch (Pretrainer.NoValidEventException e) {
        throw new CliException(e.getMessage() + skippedNote(source));
      }
      skipLines = ReplayResult.skipLines(source.skipped(), source.firstSkipReasons(), SKIP_SHOWN);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CliException(e.getMessage());
    }
    skipLines.forEach(skip -> line.finish("pretrain: " + skip));
    line.finish(
        String.format(
            Locale.ROOT,
            "pretrain: %,d events (%,d invalid, skipped), %,d users, %,d samples (%,d cold"
                + " clicks), prequential AUC %.4f, last event %s, in %s",
            r.events(),
            r.invalidEvents(),
            r.users(),
            r.samples(),
            r.coldClicks(),
            r.auc(),
            Instant.ofEpochMilli(r.lastEventTimeMs()),
            Units.duration((System.nanoTime() - start) / 1e9)));
    line.finish("pretrain: model snapshot in " + r.out().snapshots());
    line.finish("pretrain: savepoint in " + r.out().savepoint());
    line.finish("next: dare-stream train --from-savepoint " + out + " [job options]");
    err.flush();
    return 0;
  }

  /** Malformed input lines shown with their reason after a pretrain. */
  private static final int SKIP_SHOWN = 5;

  /** " (N input lines were skipped as malformed, the first: ...)", or nothing. */
  private static String skippedNote(EventSource source) {
    if (source.skipped() == 0) {
      return "";
    }
    List<String> reasons = source.firstSkipReasons();
    return String.format(
        Locale.ROOT,
        " (%,d input line%s skipped as malformed%s)",
        source.skipped(),
        source.skipped() == 1 ? " was" : "s were",
        reasons.isEmpty() ? "" : ", the first: " + reasons.get(0));
  }

  private static String describe(long untilMs) {
    return untilMs == Long.MAX_VALUE ? "its end" : Instant.ofEpochMilli(untilMs).toString();
  }
}
