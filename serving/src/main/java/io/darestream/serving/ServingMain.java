package io.darestream.serving;

import io.darestream.schemas.cli.NearestName;
import io.darestream.schemas.validate.DurationText;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.serving.http.ConnectionLimits;
import io.darestream.serving.http.RequestLimits;
import io.darestream.serving.kafka.KafkaSettings;
import io.darestream.state.sequence.SequenceLimits;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs serving as its own process. Flags may also come from a properties file ({@code
 * --config-file}; keys are the long option names without dashes, e.g. {@code port=8080}); a flag on
 * the command line wins. A configuration error prints one line and exits with status 2; it never
 * prints a stack trace.
 */
@Command(
    name = "dare-serving",
    mixinStandardHelpOptions = true,
    description = "Scores candidates with the freshest DARE model: snapshot + model-deltas.")
public final class ServingMain implements Callable<Integer> {
  /** Exit status for a bad configuration. */
  public static final int CONFIG_ERROR = 2;

  /** The job's key for the dedup horizon (stream-jobs' {@code SequenceOptions}). */
  static final String DEDUP_HORIZON_KEY = "dare.sequence.dedup-horizon";

  @Option(
      names = "--bootstrap-servers",
      description = "Kafka bootstrap servers; without it nothing is tailed.")
  String bootstrapServers;

  @Option(names = "--deltas-topic", defaultValue = KafkaSettings.DEFAULT_DELTAS_TOPIC)
  String deltasTopic;

  @Option(names = "--snapshots-topic", defaultValue = KafkaSettings.DEFAULT_SNAPSHOTS_TOPIC)
  String snapshotsTopic;

  @Option(names = "--events-topic", defaultValue = KafkaSettings.DEFAULT_EVENTS_TOPIC)
  String eventsTopic;

  @Option(names = "--snapshot-dir", description = "Directory the trainer publishes snapshots in.")
  Path snapshotDir;

  @Option(names = "--data-dir", description = "Serving's own state (sequence store).")
  Path dataDir;

  @Option(names = "--host", defaultValue = "0.0.0.0")
  String host;

  @Option(names = "--port", defaultValue = "8080")
  int port;

  @Option(
      names = "--health-port",
      defaultValue = "-1",
      description = "Port answering only /health/* and /metrics, with its own threads (-1: none).")
  int healthPort;

  @Option(names = "--threads", description = "Requests scored at once (default: cores).")
  Integer threads;

  @Option(
      names = "--idle-timeout-ms",
      defaultValue = "10000",
      description = "Close a connection silent for this long.")
  long idleTimeoutMs;

  @Option(
      names = "--body-timeout-ms",
      defaultValue = "5000",
      description = "Answer 408 to a request whose body is not complete within this.")
  long bodyTimeoutMs;

  @Option(names = "--max-header-bytes", defaultValue = "8192")
  int maxHeaderBytes;

  @Option(
      names = "--max-connections",
      defaultValue = "512",
      description = "Open connections accepted on the API port.")
  int maxConnections;

  @Option(names = "--max-candidates", defaultValue = "1000")
  int maxCandidates;

  @Option(names = "--max-body-bytes", defaultValue = "1048576")
  int maxBodyBytes;

  @Option(
      names = "--" + EventPolicy.MAX_LATENESS_KEY,
      description = "As the job's: events further behind the watermark are refused (default 1 d).")
  String maxLateness;

  @Option(
      names = "--" + EventPolicy.MAX_FUTURE_KEY,
      description = "As the job's: events further ahead of their record's time are refused (1 d).")
  String maxFuture;

  @Option(
      names = "--" + EventPolicy.OUT_OF_ORDERNESS_KEY,
      description = "As the job's: how far the watermark trails the newest event time (5 s).")
  String outOfOrderness;

  @Option(
      names = "--" + EventPolicy.IDLENESS_KEY,
      description = "As the job's: a silent partition stops holding the watermark back (30 s).")
  String idleness;

  @Option(
      names = "--" + EventPolicy.MAX_ID_KEY,
      description = "As the job's: largest accepted user, item and category id (2^53 - 1).")
  Long maxId;

  @Option(
      names = "--" + DEDUP_HORIZON_KEY,
      description = "As the job's: how long (event time) event ids are remembered for dedup (2 d).")
  String dedupHorizon;

  @Option(names = "--config-file", description = "Properties file with any of these options.")
  Path configFile;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Parses {@code args} and runs until the JVM is asked to stop; returns the exit status. */
  public static int run(String... args) {
    return run(
        new PrintWriter(System.out, true, Charset.defaultCharset()),
        new PrintWriter(System.err, true, Charset.defaultCharset()),
        args);
  }

  /**
   * As {@link #run(String...)}, printing help to {@code out} and errors to {@code err} (the
   * launcher passes its own writers, tests capture them).
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cmd = new CommandLine(new ServingMain());
    cmd.setOut(out);
    cmd.setErr(err);
    try {
      cmd.setDefaultValueProvider(configFileDefaults(args, optionNames(cmd)));
    } catch (ServingStartException e) {
      cmd.getErr().println("dare-serving: " + e.getMessage());
      return CONFIG_ERROR;
    }
    cmd.setExecutionExceptionHandler(
        (e, c, parsed) -> {
          c.getErr().println("dare-serving: " + oneLine(e));
          return CONFIG_ERROR;
        });
    cmd.setParameterExceptionHandler(
        (e, a) -> {
          e.getCommandLine().getErr().println("dare-serving: " + e.getMessage());
          return CONFIG_ERROR;
        });
    return cmd.execute(args);
  }

  @Override
  public Integer call() {
    ServingServer server = build().build().start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "serving-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.close();
    }
    return 0;
  }

  /** The server settings these options describe (exposed for tests). */
  ServingServer.Builder build() {
    if (snapshotDir == null) {
      throw new ServingStartException("--snapshot-dir is required");
    }
    if (dataDir == null) {
      throw new ServingStartException("--data-dir is required");
    }
    RequestLimits limits;
    ConnectionLimits connections;
    try {
      limits = new RequestLimits(maxBodyBytes, maxCandidates);
      connections =
          new ConnectionLimits(
              Duration.ofMillis(idleTimeoutMs),
              Duration.ofMillis(bodyTimeoutMs),
              maxHeaderBytes,
              maxConnections);
    } catch (IllegalArgumentException e) {
      throw new ServingStartException(e.getMessage());
    }
    ServingServer.Builder b =
        ServingServer.builder()
            .setSnapshotDir(snapshotDir)
            .setDataDir(dataDir)
            .optHost(host)
            .optPort(port)
            .optHealthPort(healthPort)
            .optLimits(limits)
            .optConnectionLimits(connections);
    if (threads != null) {
      b.optThreads(threads);
    }
    b.optEventPolicy(eventPolicy());
    if (dedupHorizon != null) {
      b.optSequenceLimits(
          SequenceLimits.builder()
              .optDedupHorizonMs(millis(DEDUP_HORIZON_KEY, dedupHorizon))
              .build());
    }
    if (bootstrapServers != null && !bootstrapServers.isBlank()) {
      b.optKafka(
          new KafkaSettings(bootstrapServers, deltasTopic, snapshotsTopic, eventsTopic, Map.of()));
    }
    return b;
  }

  /** The event policy from the {@code dare.ingest.*} options, with the job's defaults. */
  private EventPolicy eventPolicy() {
    EventPolicy.Builder p = EventPolicy.builder();
    if (maxLateness != null) {
      p.optMaxLatenessMs(millis(EventPolicy.MAX_LATENESS_KEY, maxLateness));
    }
    if (maxFuture != null) {
      p.optMaxFutureMs(millis(EventPolicy.MAX_FUTURE_KEY, maxFuture));
    }
    if (outOfOrderness != null) {
      p.optOutOfOrdernessMs(millis(EventPolicy.OUT_OF_ORDERNESS_KEY, outOfOrderness));
    }
    if (idleness != null) {
      p.optIdlenessMs(millis(EventPolicy.IDLENESS_KEY, idleness));
    }
    if (maxId != null) {
      p.optMaxId(maxId);
    }
    try {
      return p.build();
    } catch (IllegalArgumentException e) {
      throw new ServingStartException(e.getMessage());
    }
  }

  private static long millis(String key, String text) {
    try {
      return DurationText.parse(text).toMillis();
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ServingStartException("--" + key + ": " + e.getMessage());
    }
  }

  /**
   * Picocli's properties default provider over {@code --config-file}, found before parsing so that
   * its values become the defaults that command-line flags override.
   */
  private static CommandLine.IDefaultValueProvider configFileDefaults(
      String[] args, Set<String> optionNames) {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config-file") && i + 1 < args.length) {
        file = Path.of(args[i + 1]);
      } else if (args[i].startsWith("--config-file=")) {
        file = Path.of(args[i].substring("--config-file=".length()));
      }
    }
    if (file == null) {
      return null;
    }
    if (!Files.isRegularFile(file)) {
      throw new ServingStartException("config file " + file + " does not exist");
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new ServingStartException("cannot read config file " + file + ": " + e.getMessage());
    }
    // A mistyped key would otherwise be ignored without a word, and its option left at default.
    for (String key : new TreeSet<>(p.stringPropertyNames())) {
      if (!optionNames.contains(key)) {
        throw new ServingStartException(
            "config file "
                + file
                + ": unknown key "
                + key
                + " (did you mean "
                + NearestName.of(key, optionNames)
                + "?)");
      }
    }
    return new CommandLine.PropertiesDefaultProvider(p);
  }

  /**
   * The keys a config file may hold: the long option names without their dashes, also qualified
   * with the command's name as picocli's properties provider reads them ({@code
   * dare-serving.port}).
   */
  private static Set<String> optionNames(CommandLine cmd) {
    Set<String> names = new TreeSet<>();
    for (CommandLine.Model.OptionSpec o : cmd.getCommandSpec().options()) {
      String name = o.longestName().replaceFirst("^-+", "");
      if (!name.equals("config-file") && !name.equals("help") && !name.equals("version")) {
        names.add(name);
        names.add(cmd.getCommandName() + "." + name);
      }
    }
    return names;
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage();
    return (m == null ? e.getClass().getSimpleName() : m).lines().findFirst().orElse("");
  }
}
