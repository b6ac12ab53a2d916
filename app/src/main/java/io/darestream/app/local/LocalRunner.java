package io.darestream.app.local;

import io.darestream.app.local.CountingSink.Counter;
import io.darestream.app.local.LocalTrainingStage.VariantSetup;
import io.darestream.app.replay.EventSource;
import io.darestream.app.replay.KafkaReplayer;
import io.darestream.app.replay.ProgressLine;
import io.darestream.app.replay.ReplayResult;
import io.darestream.app.replay.Units;
import io.darestream.app.report.ReportWriter;
import io.darestream.app.stats.Freshness;
import io.darestream.app.stats.LocalSummary;
import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.VariantStats;
import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.IngestOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.kafka.KafkaConnectors;
import io.darestream.kafka.embedded.EmbeddedKafka;
import io.darestream.model.Variant;
import io.darestream.serving.ServingServer;
import io.darestream.serving.kafka.KafkaSettings;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.state.sequence.SequenceLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default in one JVM (DESIGN.md §1): an in-process Kafka broker, the dare-train job on
 * a Flink MiniCluster (RocksDB state backend, web UI), serving, and a replay of a dataset into
 * {@code behavior-events}, with a live status line, a summary and a report at the end.
 *
 * <p>When is a run done? The job reads Kafka without end, so the runner watches it: after the
 * replay, once the job has accepted every replayed event and every trainer has trained every sample
 * the sequence stage produced (or nothing moved for {@link #QUIET_NANOS}, e.g. when events went to
 * the dead-letter topic). With {@code exitWhenDone} the job is then stopped with a draining
 * savepoint: the final watermark settles pending impressions and the trainers train and publish
 * what is left.
 */
public final class LocalRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalRunner.class);
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(15);
  private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
  // How long a drain waits for a job whose tasks are still being deployed.
  private static final long DRAIN_START_SECONDS = 60;

  private final LocalSettings settings;
  private final PrintWriter out;
  private final ProgressLine line;
  private final String runId = "local-" + UUID.randomUUID();
  private RunStats stats;
  private EmbeddedKafka kafka;
  private ServingServer serving;
  private JobClient job;

  public LocalRunner(LocalSettings settings, PrintWriter out, ProgressLine line) {
    this.settings = settings;
    this.out = out;
    this.line = line;
  }

  public LocalRunner(LocalSettings settings, PrintStream out, ProgressLine line) {
    this(settings, new PrintWriter(out, true), line);
  }

  /** Names of the trained variants as model ids: dare, twin, twin_proj. */
  static String nameOf(Variant v) {
    return v.name().toLowerCase(Locale.ROOT);
  }

  /** Starts everything, replays, waits until trained; the caller closes the runner. */
  public LocalSummary run() throws Exception {
    long start = System.nanoTime();
    stats =
        RunStats.register(runId, settings.variants().stream().map(LocalRunner::nameOf).toList());
    Files.createDirectories(settings.workDir());
    line.update("starting: embedded Kafka...");
    kafka = EmbeddedKafka.builder().optLogDir(settings.workDir().resolve("kafka")).start();
    Map<String, String> jobConfig = jobConfig(kafka.bootstrapServers());
    kafka.createTopics(topics(jobConfig));
    line.update("starting: serving...");
    serving = startServing(jobConfig);
    line.update("starting: the dare-train job on a Flink MiniCluster...");
    job = startJob(jobConfig);
    line.breakLine();
    out.printf(
        Locale.ROOT,
        "Kafka %s (embedded) | Flink web UI http://localhost:%d | serving http://localhost:%d%n",
        kafka.bootstrapServers(),
        settings.webUiPort(),
        serving.port());

    EventSource source =
        settings
            .dataset()
            .apply(
                n -> line.update("sorting the input by event time: " + Units.count(n) + " read"));
    String dataset = source.description();
    long total = source.total();
    line.finish("replaying " + dataset + (total > 0 ? String.format(", %,d events", total) : ""));
    CompletableFuture<ReplayResult> replay = startReplay(source);
    monitorUntilTrained(replay, total, start);
    if (settings.exitWhenDone()) {
      drain();
    }
    double wall = (System.nanoTime() - start) / 1e9;
    line.finish(status(wall, total, 0, 0));
    LocalSummary summary =
        new LocalSummary(
            wall,
            dataset,
            replay.join(),
            stats.accepted(),
            stats.samples(),
            stats.variants().stream()
                .map(
                    v ->
                        new LocalSummary.VariantSummary(
                            v.name(), v.samples(), v.overallAuc(), v.windowAuc(), v.modelVersion()))
                .toList(),
            Freshness.of(serving),
            settings.reportDir());
    ReportWriter.write(summary, stats, settings.settingsForReport());
    return summary;
  }

  /** The job's options: Kafka and directories of this run, then the user's. */
  Map<String, String> jobConfig(String bootstrapServers) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(KafkaOptions.BOOTSTRAP_SERVERS.key(), bootstrapServers);
    c.put(
        CheckpointOptions.DIR.key(), settings.workDir().resolve("checkpoints").toUri().toString());
    c.put(CheckpointOptions.INTERVAL.key(), settings.checkpointInterval().toMillis() + " ms");
    c.put(LabelOptions.MODE.key(), settings.labelMode().name());
    c.put(TrainerOptions.SNAPSHOT_DIR.key(), snapshotDir(settings.variants().get(0)).toString());
    c.put(RestOptions.BIND_PORT.key(), Integer.toString(settings.webUiPort()));
    c.put(RestOptions.PORT.key(), Integer.toString(settings.webUiPort()));
    // A failing local job should stop the run with its error, not restart forever.
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "2");
    c.put("restart-strategy.fixed-delay.delay", "2 s");
    c.putAll(settings.jobOptions());
    return c;
  }

  private Path snapshotDir(Variant v) {
    return settings.workDir().resolve("snapshots").resolve(nameOf(v));
  }

  private List<VariantSetup> variantSetups() {
    List<VariantSetup> setups = new ArrayList<>();
    for (int i = 0; i < settings.variants().size(); i++) {
      Variant v = settings.variants().get(i);
      HashMap<String, String> o = new HashMap<>();
      o.put(ModelOptions.VARIANT.key(), v.name());
      o.put(ModelOptions.MODEL_ID.key(), nameOf(v));
      o.put(TrainerOptions.SNAPSHOT_DIR.key(), snapshotDir(v).toString());
      if (i > 0) {
        // Only the first variant is served; the others publish beside it.
        o.put(
            KafkaOptions.DELTAS_TOPIC.key(),
            KafkaOptions.DELTAS_TOPIC.defaultValue() + "-" + nameOf(v));
        o.put(
            KafkaOptions.SNAPSHOTS_TOPIC.key(),
            KafkaOptions.SNAPSHOTS_TOPIC.defaultValue() + "-" + nameOf(v));
      }
      setups.add(new VariantSetup(nameOf(v), o));
    }
    return setups;
  }

  private List<NewTopic> topics(Map<String, String> jobConfig) {
    KafkaOptions k = KafkaOptions.from(Configuration.fromMap(jobConfig));
    List<NewTopic> topics = new ArrayList<>();
    topics.add(new NewTopic(k.eventsTopic(), LocalSettings.EVENT_PARTITIONS, (short) 1));
    topics.add(new NewTopic(k.dlqTopic(), 1, (short) 1));
    topics.add(new NewTopic(k.deltasTopic(), 1, (short) 1));
    topics.add(new NewTopic(k.snapshotsTopic(), 1, (short) 1));
    for (VariantSetup v : variantSetups()) {
      for (String key :
          List.of(KafkaOptions.DELTAS_TOPIC.key(), KafkaOptions.SNAPSHOTS_TOPIC.key())) {
        String topic = v.overrides().get(key);
        if (topic != null) {
          topics.add(new NewTopic(topic, 1, (short) 1));
        }
      }
    }
    return topics;
  }

  private ServingServer startServing(Map<String, String> jobConfig) throws IOException {
    Configuration config = Configuration.fromMap(jobConfig);
    KafkaOptions k = KafkaOptions.from(config);
    Path snapshots = snapshotDir(settings.variants().get(0));
    Files.createDirectories(snapshots);
    return ServingServer.builder()
        .setSnapshotDir(snapshots)
        .setDataDir(settings.workDir().resolve("serving"))
        .optKafka(
            new KafkaSettings(
                k.bootstrapServers(),
                k.deltasTopic(),
                k.snapshotsTopic(),
                k.eventsTopic(),
                Map.of()))
        .optPort(settings.servingPort())
        // The job's event policy and dedup horizon: serving's histories equal the trainer's.
        .optEventPolicy(IngestOptions.from(config).policy())
        .optSequenceLimits(
            SequenceLimits.builder()
                .optDedupHorizonMs(SequenceOptions.from(config).dedupHorizon().toMillis())
                .build())
        .build()
        .start();
  }

  private JobClient startJob(Map<String, String> jobConfig) throws Exception {
    Configuration config = Configuration.fromMap(jobConfig);
    DareJobOptions options = DareJobOptions.from(config);
    DareTrainJob dareTrain =
        new DareTrainJob(
            options,
            KafkaConnectors.eventsSource(options.kafka()),
            KafkaConnectors.deadLetterSink(options.kafka()),
            new LocalTrainingStage(runId, jobConfig, variantSetups()));
    StreamExecutionEnvironment env = DareTrainJob.environment(config, options);
    DareTrainJob.Streams streams = dareTrain.build(env);
    streams
        .events()
        .sinkTo(new CountingSink<>(runId, Counter.ACCEPTED_EVENTS))
        .uid("local-count-events")
        .name("count accepted events");
    streams
        .samples()
        .sinkTo(new CountingSink<>(runId, Counter.SAMPLES))
        .uid("local-count-samples")
        .name("count samples");
    return env.executeAsync("dare-train");
  }

  private CompletableFuture<ReplayResult> startReplay(EventSource source) {
    KafkaOptions k = KafkaOptions.from(Configuration.fromMap(jobConfig(kafka.bootstrapServers())));
    CompletableFuture<ReplayResult> result = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try (KafkaReplayer replayer =
                  new KafkaReplayer(kafka.bootstrapServers(), k.eventsTopic(), Map.of())) {
                result.complete(
                    replayer.replay(
                        source,
                        settings.pacer(),
                        (sent, acked, time) -> {
                          stats.replayedSoFar(sent);
                          holdBackWhileJobLags(sent);
                        }));
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "local-replay");
    t.setDaemon(true);
    t.start();
    return result;
  }

  /**
   * Parks the replay while the job is more than {@code maxBacklog} events behind it. Why: an
   * unthrottled replay runs far ahead of a 2-core trainer, and then freshness measures time spent
   * queued in Kafka rather than the pipeline.
   */
  private void holdBackWhileJobLags(long sent) {
    long max = settings.maxBacklog();
    while (max > 0 && sent - stats.accepted() > max && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /** Prints the status line until the job has caught up with the finished replay. */
  private void monitorUntilTrained(CompletableFuture<ReplayResult> replay, long total, long start)
      throws Exception {
    ArrayDeque<long[]> recent = new ArrayDeque<>(); // {nanos, replayed, accepted}
    long lastChange = System.nanoTime();
    long lastFingerprint = -1;
    long lastObserved = 0;
    while (true) {
      long now = System.nanoTime();
      failIfJobEnded();
      if (replay.isCompletedExceptionally()) {
        replay.join(); // throws the replay's failure
      }
      recent.addLast(new long[] {now, stats.replayed(), stats.accepted()});
      while (recent.size() > 2 && now - recent.peekFirst()[0] > RATE_WINDOW_NANOS) {
        recent.removeFirst();
      }
      long[] first = recent.peekFirst();
      double dt = (now - first[0]) / 1e9;
      double replayRate = dt > 0 ? (stats.replayed() - first[1]) / dt : 0;
      double jobRate = dt > 0 ? (stats.accepted() - first[2]) / dt : 0;
      double elapsed = (now - start) / 1e9;
      line.update(status(elapsed, total, replayRate, jobRate));
      if (now - lastObserved >= TimeUnit.SECONDS.toNanos(1)) {
        stats.observe(elapsed);
        lastObserved = now;
      }

      long fingerprint = stats.accepted() * 31 + stats.samples();
      for (VariantStats v : stats.variants()) {
        fingerprint = fingerprint * 31 + v.samples();
      }
      if (fingerprint != lastFingerprint) {
        lastFingerprint = fingerprint;
        lastChange = now;
      }
      if (replay.isDone()) {
        long sent = replay.join().sent();
        boolean allTrained =
            stats.variants().stream().allMatch(v -> v.samples() >= stats.samples());
        if ((stats.accepted() >= sent && allTrained) || now - lastChange > QUIET_NANOS) {
          stats.observe(elapsed);
          return;
        }
      }
      LockSupport.parkNanos(TICK_NANOS);
    }
  }

  private String status(double elapsed, long total, double replayRate, double jobRate) {
    long fresh =
        serving == null ? -1 : serving.modelStatus().map(ModelStatus::freshnessLagMs).orElse(-1L);
    return StatusText.live(stats, elapsed, total, replayRate, jobRate, fresh);
  }

  private void failIfJobEnded() throws Exception {
    JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
    if (status.isGloballyTerminalState()) {
      try {
        job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(
            "the dare-train job "
                + status.name().toLowerCase(Locale.ROOT)
                + ": "
                + root(e).getMessage(),
            e);
      }
      throw new IllegalStateException("the dare-train job ended early (" + status + ")");
    }
  }

  private static Throwable root(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Stops the job with a draining savepoint, so pending impressions are labelled by the final
   * watermark and every trainer trains and publishes what it holds; cancels it if that fails.
   */
  private void drain() {
    line.update("draining the job (final watermark, last training steps, final snapshot)...");
    String savepoints = settings.workDir().resolve("savepoints").toUri().toString();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_START_SECONDS);
    while (true) {
      try {
        job.stopWithSavepoint(true, savepoints, SavepointFormatType.CANONICAL)
            .get(120, TimeUnit.SECONDS);
        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        // A small replay can be consumed while downstream tasks are still being deployed; the
        // savepoint is refused until every task runs, and then nothing would be lost by waiting.
        if (notAllTasksRunning(e) && System.nanoTime() < deadline) {
          LOG.info("Not every task of the job is running yet; retrying the drain");
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
          continue;
        }
        LOG.warn("Draining the job failed; cancelling it", e);
        job.cancel();
        return;
      }
    }
  }

  private static boolean notAllTasksRunning(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CheckpointException c
          && c.getCheckpointFailureReason()
              == CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING) {
        return true;
      }
    }
    return false;
  }

  /** {user, item, category} of an event the job accepted, for a curl example; null if none. */
  public long[] example() {
    return stats == null ? null : stats.example();
  }

  /** Serving of this run (null before {@link #run()} started it). */
  public ServingServer serving() {
    return serving;
  }

  @Override
  public void close() {
    if (job != null) {
      try {
        if (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
          job.cancel().get(30, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        LOG.warn("Could not cancel the job", e);
      }
    }
    if (serving != null) {
      serving.close();
    }
    if (kafka != null) {
      kafka.close();
    }
    // Bulky and of no use after the run; snapshots and the report stay.
    deleteQuietly(settings.workDir().resolve("kafka"));
    deleteQuietly(settings.workDir().resolve("checkpoints"));
    deleteQuietly(settings.workDir().resolve("savepoints"));
    if (stats != null) {
      stats.unregister();
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("Could not delete {}", dir, e);
    }
  }
}
