package io.darestream.app.cli;

import io.darestream.app.local.LocalRunner;
import io.darestream.app.local.LocalSettings;
import io.darestream.app.local.StatusText;
import io.darestream.app.local.WarmStart;
import io.darestream.app.pretrain.EventTime;
import io.darestream.app.replay.Pacer;
import io.darestream.app.replay.ProgressLine;
import io.darestream.app.stats.LocalSummary;
import io.darestream.jobs.config.KnownKeys;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.model.Variant;
import io.darestream.model.nn.Gemm;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.input.EventFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code local}: the embedded default, everything in one JVM (see {@link LocalRunner}). */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = {
      "Runs everything in this JVM: an embedded Kafka broker, the dare-train job on a Flink"
          + " MiniCluster (RocksDB state, web UI on --web-ui-port), serving on --port, and a"
          + " replay of a dataset (default: a generated one that takes a few minutes).",
      "Shows one live status line, then a summary and a report (PNG plots + HTML); then keeps"
          + " serving until Ctrl-C unless --exit-when-done.",
      ""
    })
public final class LocalCommand implements Callable<Integer> {
  private static final DateTimeFormatter RUN_NAME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

  @Spec CommandSpec spec;

  @Mixin DatasetOptions dataset;

  @Option(
      names = "--label-mode",
      paramLabel = "IMPRESSION|CLICK_ONLY",
      description =
          "How samples are made. Default: IMPRESSION for generated impressions and event files,"
              + " CLICK_ONLY for Taobao, MovieLens and --generator-mode click_only.")
  LabelMode labelMode;

  @Option(
      names = "--variant",
      defaultValue = "DARE",
      description = "The model trained and served (default: ${DEFAULT-VALUE}).")
  Variant variant;

  @Option(
      names = "--compare",
      paramLabel = "VARIANT",
      description =
          "Also train this variant (twin or twin_proj) side by side on the same samples and"
              + " report both; repeatable.")
  List<String> compare = new ArrayList<>();

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Serving's HTTP port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--web-ui-port",
      defaultValue = "8081",
      description = "Flink web UI port (default: ${DEFAULT-VALUE}).")
  int webUiPort;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description =
          "Kafka log, checkpoints, snapshots and serving data (default: a new directory under"
              + " java.io.tmpdir/dare-stream). One run at a time. A run that did not finish"
              + " (killed, interrupted) is resumed by the next run on its work dir: the job"
              + " restores its last checkpoint and the replay continues after the events Kafka"
              + " holds. Kafka and checkpoints are deleted when a run finishes.")
  Path workDir;

  @Option(
      names = "--fresh",
      description =
          "Start over: delete what an earlier run left in the work dir (Kafka log, checkpoints,"
              + " snapshots, serving data, report) instead of resuming it.")
  boolean fresh;

  @Option(
      names = "--report-dir",
      paramLabel = "DIR",
      description = "Where the report goes (default: <work dir>/report).")
  Path reportDir;

  @Option(
      names = "--exit-when-done",
      description = "Drain the job and exit once everything is trained, instead of serving on.")
  boolean exitWhenDone;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "5 s",
      description = "Checkpoint (and snapshot) interval of the job (default: ${DEFAULT-VALUE}).")
  String checkpointInterval;

  @Option(
      names = "--trainer-parallelism",
      paramLabel = "N",
      description =
          "Trainer subtasks of each variant (default 1): N trainers, N row owners, a dense"
              + " averager.")
  Integer trainerParallelism;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Any job option, e.g. --set dare.model.max-history=500 (see README, Configuration);"
              + " repeatable.")
  List<String> setPairs = new ArrayList<>();

  @Option(
      names = "--set-for",
      paramLabel = "VARIANT:KEY=VALUE",
      description =
          "A model option (dare.model.*) for one variant only, after --set, e.g. --set-for"
              + " twin:dare.model.exact-match=true; repeatable.")
  List<String> setForPairs = new ArrayList<>();

  @ArgGroup(exclusive = true)
  ReplayCommand.PaceOptions pace;

  @Option(
      names = "--warm-start",
      paramLabel = "FILE",
      description =
          "Start from history: pretrain FILE (in --format) up to --until, start the job from that"
              + " state, then stream the rest; a cold-start trainer runs beside each variant and"
              + " the report compares them. Instead of --input; always a fresh run.")
  Path warmStartFile;

  @Option(
      names = "--until",
      paramLabel = "TIME",
      description =
          "With --warm-start: the last event time of the history (an instant, a date or epoch"
              + " milliseconds).")
  String until;

  @Option(
      names = "--max-backlog",
      defaultValue = "5000",
      paramLabel = "EVENTS",
      description =
          "The replay waits while the job is more than this many events behind it, so freshness"
              + " measures the pipeline, not a queue (default: ${DEFAULT-VALUE}; 0: never wait).")
  long maxBacklog;

  private final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    LocalSettings settings = settings();
    requireFree(port, "serving (--port)");
    requireFree(webUiPort, "the Flink web UI (--web-ui-port)");
    PrintWriter out = spec.commandLine().getOut();
    ProgressLine line = ProgressLine.on(spec.commandLine().getErr());
    out.printf(
        "dare-stream local: work dir %s, log %s%n",
        settings.workDir(),
        Objects.requireNonNullElse(DareStreamCli.logFile(), "(not set up: test run)"));
    LocalRunner runner = new LocalRunner(settings, out, line);
    if (warmStartFile != null) {
      runner.warmStart(new WarmStart(untilMs()));
    }
    Thread hook =
        new Thread(
            () -> {
              runner.close();
              stopped.countDown();
            },
            "local-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    LocalSummary summary;
    try {
      summary = runner.run();
    } catch (Exception | Error e) {
      closeNow(runner, hook);
      throw e;
    }
    out.print(StatusText.summary(summary));
    out.flush();
    if (exitWhenDone) {
      closeNow(runner, hook);
      return 0;
    }
    out.println();
    out.printf("Serving on http://localhost:%d until Ctrl-C. Score with explain:%n", port);
    out.println("  " + curlExample(runner));
    out.printf("Model info: curl -s localhost:%d/v1/model%n", port);
    out.flush();
    stopped.await();
    return 0;
  }

  private long untilMs() {
    try {
      return EventTime.parse(until);
    } catch (IllegalArgumentException e) {
      throw new CliException("--until: " + e.getMessage());
    }
  }

  private static void closeNow(LocalRunner runner, Thread hook) {
    runner.close();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway; close() is idempotent
    }
  }

  private String curlExample(LocalRunner runner) {
    long[] e = runner.example();
    long user = e == null ? 1 : e[0];
    long item = e == null ? 1 : e[1];
    long category = e == null ? 1 : e[2];
    return String.format(
        Locale.ROOT,
        "curl -s localhost:%d/v1/score -H 'Content-Type: application/json' -d"
            + " '{\"user_id\":%d,\"candidates\":[{\"item_id\":%d,\"category_id\":%d}],"
            + "\"explain\":true}'",
        port,
        user,
        item,
        category);
  }

  /** Checks every option and builds the run's settings; nothing is started. */
  LocalSettings settings() {
    Map<String, String> set = KeyValuePairs.parse("--set", setPairs);
    if (warmStartFile != null) {
      if (dataset.input != null && !dataset.input.equals(warmStartFile)) {
        throw new CliException("--warm-start FILE replaces --input: give one of them");
      }
      if (until == null) {
        throw new CliException("--warm-start needs --until TIME (where the history ends)");
      }
      dataset.input = warmStartFile;
      untilMs(); // a bad time is one line before anything starts
    } else if (until != null) {
      throw new CliException("--until goes with --warm-start");
    }
    dataset.validate();
    EventFormat format = dataset.formatOrNull();
    List<Variant> variants = new ArrayList<>();
    variants.add(variant);
    for (String c : compare) {
      Variant v;
      try {
        v = Variant.valueOf(c.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CliException("--compare must be twin, twin_proj or dare, got " + c);
      }
      if (!variants.contains(v)) {
        variants.add(v);
      }
    }
    LabelMode mode = labelMode != null ? labelMode : dataset.defaultLabelMode();
    Duration interval;
    try {
      interval = TimeUtils.parseDuration(checkpointInterval);
    } catch (IllegalArgumentException e) {
      throw new CliException("--checkpoint-interval: " + e.getMessage());
    }
    if (maxBacklog < 0) {
      throw new CliException("--max-backlog must be >= 0 (0: never wait), got " + maxBacklog);
    }
    if (trainerParallelism != null) {
      if (trainerParallelism < 1) {
        throw new CliException("--trainer-parallelism must be >= 1, got " + trainerParallelism);
      }
      if (set.containsKey(TrainerOptions.PARALLELISM.key())) {
        throw new CliException(
            "--trainer-parallelism and --set " + TrainerOptions.PARALLELISM.key() + " both given");
      }
      set.put(TrainerOptions.PARALLELISM.key(), trainerParallelism.toString());
    }
    for (String key : set.keySet()) {
      if (!key.contains(".")) {
        throw new CliException("--set expects KEY=VALUE with a dotted key, got " + key);
      }
    }
    try {
      KnownKeys.rejectUnknown(set.keySet());
    } catch (IllegalArgumentException e) {
      throw new CliException("--set: " + e.getMessage());
    }
    Path work =
        workDir != null
            ? workDir
            : Path.of(System.getProperty("java.io.tmpdir"), "dare-stream")
                .resolve("local-" + LocalDateTime.now().format(RUN_NAME));
    Path report = reportDir != null ? reportDir : work.resolve("report");
    Pacer pacer = pace == null ? Pacer.unlimited() : pace.pacer();

    Map<String, String> shown = new LinkedHashMap<>();
    shown.put(
        "dataset",
        format == null
            ? "generated: " + dataset.generatorConfig()
            : format.cliName() + " " + dataset.input);
    shown.put("order", dataset.order);
    if (warmStartFile != null) {
      shown.put("warm start until", until);
    }
    shown.put("label mode", mode.name());
    shown.put("variants", variants.toString());
    shown.put(
        "pace",
        pace == null
            ? "unlimited"
            : pace.rate != null ? pace.rate + " events/s" : "speed-up x" + pace.speedUp);
    shown.put("max backlog", maxBacklog + " events");
    shown.put("checkpoint interval", interval.toString());
    shown.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    shown.put("max heap", Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
    shown.put("java", System.getProperty("java.version"));
    shown.put(
        "dense kernels",
        Gemm.vectorised()
            ? "Vector API"
            : "scalar fallback (java --add-modules jdk.incubator.vector for the faster one)");
    set.forEach(shown::put);
    Map<Variant, Map<String, String>> perVariant = variantOptions(variants);
    perVariant.forEach((v, o) -> o.forEach((k, val) -> shown.put(k + " (" + v + ")", val)));

    return new LocalSettings(
        progress -> dataset.open(progress),
        mode,
        variants,
        port,
        webUiPort,
        work,
        fresh,
        report,
        exitWhenDone,
        pacer,
        maxBacklog,
        interval,
        set,
        perVariant,
        shown,
        format == null ? new StreamGenerator(dataset.generatorConfig()).groundTruth() : null);
  }

  /**
   * The {@code --set-for} options by variant: each names a variant of this run and a known model
   * option other than the variant's name and id.
   */
  private Map<Variant, Map<String, String>> variantOptions(List<Variant> variants) {
    Map<Variant, List<String>> pairs = new LinkedHashMap<>();
    for (String p : setForPairs) {
      int colon = p.indexOf(':');
      if (colon <= 0) {
        throw new CliException("--set-for expects VARIANT:KEY=VALUE, got " + p);
      }
      String name = p.substring(0, colon).trim();
      Variant v;
      try {
        v = Variant.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CliException("--set-for: no variant " + name + " (dare, twin or twin_proj)");
      }
      if (!variants.contains(v)) {
        throw new CliException(
            "--set-for: "
                + name
                + " does not run here ("
                + variants
                + "): add --compare "
                + v.name().toLowerCase(Locale.ROOT));
      }
      pairs.computeIfAbsent(v, x -> new ArrayList<>()).add(p.substring(colon + 1));
    }
    Map<Variant, Map<String, String>> out = new LinkedHashMap<>();
    for (Map.Entry<Variant, List<String>> e : pairs.entrySet()) {
      String flag = "--set-for " + e.getKey().name().toLowerCase(Locale.ROOT);
      Map<String, String> options = KeyValuePairs.parse(flag, e.getValue());
      for (String key : options.keySet()) {
        if (!key.startsWith("dare.model.")
            || key.equals(ModelOptions.VARIANT.key())
            || key.equals(ModelOptions.MODEL_ID.key())) {
          throw new CliException(
              flag
                  + ": "
                  + key
                  + " is the run's, not a variant's: --set-for takes the model options"
                  + " (dare.model.*) but the variant and its id");
        }
      }
      try {
        KnownKeys.rejectUnknown(options.keySet());
      } catch (IllegalArgumentException ex) {
        throw new CliException(flag + ": " + ex.getMessage());
      }
      out.put(e.getKey(), options);
    }
    return out;
  }

  /** Fails with one line if {@code port} is taken (0 means any port and always passes). */
  static void requireFree(int port, String what) {
    if (port == 0) {
      return;
    }
    // A listener on another address family may not block a wildcard bind: also try to connect.
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
      throw new CliException("port " + port + " for " + what + " is in use");
    } catch (IOException expected) {
      // nothing listens there
    }
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(port));
    } catch (IOException e) {
      throw new CliException("port " + port + " for " + what + " is in use");
    }
  }
}
