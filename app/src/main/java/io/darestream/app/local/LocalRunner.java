package io.darestream.app.local;

import io.darestream.app.local.CountingSink.Counter;
import io.darestream.app.local.LocalTrainingStage.VariantSetup;
import io.darestream.app.local.LocalWorkDir.EarlierRun;
import io.darestream.app.local.LocalWorkDir.WorkDirException;
import io.darestream.app.pretrain.Pretrainer;
import io.darestream.app.replay.EventSource;
import io.darestream.app.replay.KafkaReplayer;
import io.darestream.app.replay.ProgressLine;
import io.darestream.app.replay.ReplayPosition;
import io.darestream.app.replay.ReplayResult;
import io.darestream.app.replay.Units;
import io.darestream.app.report.ReportWriter;
import io.darestream.app.stats.Freshness;
import io.darestream.app.stats.LocalSummary;
import io.darestream.app.stats.RunStats;
import io.darestream.app.stats.VariantStats;
import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.kafka.embedded.EmbeddedKafka;
import io.darestream.model.Variant;
import io.darestream.serving.ServingServer;
import io.darestream.serving.scoring.ModelStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.RecoveryClaimMode;
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
 *
 * <p>Resuming. A run killed (or interrupted) before its end leaves its work dir behind: the
 * broker's log, the job's retained checkpoints, snapshots and serving's store. A run started on
 * that work dir resumes it: the broker restarts on the same log, the job restores the last retained
 * checkpoint (claiming it), and the replay continues after the events the broker already holds
 * ({@link ReplayPosition}); the job's counts are checkpointed with it ({@link CountingSink}), so
 * every event is counted once, and dead letters are counted in the dead-letter topic itself. A run
 * that finished leaves nothing to resume ({@code --fresh} starts over in its work dir).
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
  private LocalWorkDir workDir;
  private boolean finished;
  // The job ended with its draining savepoint (its MiniCluster is gone with it: nothing to cancel).
  private volatile boolean drained;
  // The input, until the replay takes it over (and closes it).
  private EventSource source;
  private boolean closed;
  private EmbeddedKafka kafka;
  private CommittedRecords deadLetters;
  private ServingServer serving;
  private JobClient job;
  private WarmStart warmStart;

  public LocalRunner(LocalSettings settings, PrintWriter out, ProgressLine line) {
    this.settings = settings;
    this.out = out;
    this.line = line;
  }

  public LocalRunner(LocalSettings settings, PrintStream out, ProgressLine line) {
    this(settings, new PrintWriter(out, true), line);
  }

  /**
   * Starts the run from history: pretrains the events up to the cut, starts the job from their
   * savepoint and trains a cold twin beside every variant (see {@link WarmStart}). Such a run
   * always starts fresh in its work dir.
   */
  public LocalRunner warmStart(WarmStart warm) {
    this.warmStart = warm;
    return this;
  }

  /** The trainers' names: the variants, and their cold twins in a warm start. */
  private List<String> trainerNames() {
    List<String> names = new ArrayList<>();
    settings.variants().forEach(v -> names.add(nameOf(v)));
    if (warmStart != null) {
      settings.variants().forEach(v -> names.add(nameOf(v) + WarmStart.COLD_SUFFIX));
    }
    return names;
  }

  /** Names of the trained variants as model ids: dare, twin, twin_proj. */
  static String nameOf(Variant v) {
    return v.name().toLowerCase(Locale.ROOT);
  }

  /** Starts everything, replays, waits until trained; the caller closes the runner. */
  public LocalSummary run() throws Exception {
    long start = System.nanoTime();
    stats = RunStats.register(runId, trainerNames());
    stats.plantedTruth(settings.plantedTruth());
    workDir = LocalWorkDir.lock(settings.workDir());
    Optional<EarlierRun> earlier = earlierRunToResume();
    EventSource warmSource = warmStart == null ? null : pretrain();
    // The input first (a file is sorted by time here): one without a usable event is refused
    // before anything starts or the work dir records a run.
    source =
        warmSource != null
            ? warmStart.online(warmSource)
            : settings
                .dataset()
                .apply(
                    n ->
                        line.update(
                            "sorting the input by event time: " + Units.count(n) + " read"));
    if (source.total() == 0) {
      throw new EmptyInputException(
          source.description(), source.skipped(), source.firstSkipReasons());
    }
    line.update("starting: embedded Kafka...");
    kafka = EmbeddedKafka.builder().optLogDir(workDir.kafka()).start();
    Optional<RetainedCheckpoint> checkpoint = earlier.flatMap(EarlierRun::checkpoint);
    Map<String, String> jobConfig = jobConfig(kafka.bootstrapServers(), checkpoint);
    KafkaOptions kafkaOptions = KafkaOptions.from(Configuration.fromMap(jobConfig));
    kafka.createTopics(topics(jobConfig));
    ReplayPosition position =
        ReplayPosition.read(
            kafka.bootstrapServers(), kafkaOptions.eventsTopic(), Duration.ofSeconds(60));
    earlier.ifPresent(e -> reportResume(e, checkpoint, position));
    deadLetters = new CommittedRecords(kafka.bootstrapServers(), kafkaOptions.dlqTopic());
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

    String dataset = source.description();
    workDir.markStarted(dataset, earlier);
    long total = source.total();
    long resumed = position.total();
    line.finish(
        "replaying "
            + dataset
            + (total > 0 ? String.format(Locale.ROOT, ", %,d events", total) : "")
            + (resumed > 0
                ? String.format(Locale.ROOT, ", after the %,d already in Kafka", resumed)
                : ""));
    EventSource toReplay = resumed > 0 ? position.skipPresent(source) : source;
    source = null; // the replay closes it
    CompletableFuture<ReplayResult> replay = startReplay(toReplay, resumed);
    monitorUntilTrained(replay, resumed, total, start);
    ReplayResult replayed = replay.join();
    // A file replayed in file order is only counted as it goes. (A warm start's online part may
    // be empty: every event was pretrained.)
    if (replayed.sent() == 0 && resumed == 0 && warmStart == null) {
      workDir.markFinished(); // nothing to resume
      throw new EmptyInputException(dataset, replayed.skipped(), replayed.firstSkipReasons());
    }
    if (settings.exitWhenDone()) {
      drain();
    }
    double wall = (System.nanoTime() - start) / 1e9;
    line.finish(status(wall, total, 0, 0));
    LocalSummary summary =
        new LocalSummary(
            wall,
            dataset,
            resumed,
            replay.join(),
            stats.accepted(),
            deadLetters.count(Duration.ofSeconds(30)),
            stats.samples(),
            stats.coldClicks(),
            stats.variants().stream()
                .map(
                    v ->
                        new LocalSummary.VariantSummary(
                            v.name(),
                            v.samples(),
                            v.scored(),
                            v.overallAuc(),
                            v.windowAuc(),
                            v.modelVersion(),
                            v.retrievalOrNull() == null ? null : v.retrievalOrNull().overall()))
                .toList(),
            Freshness.of(serving),
            settings.reportDir());
    Map<String, String> reportSettings = new LinkedHashMap<>(settings.settingsForReport());
    if (warmStart != null) {
      warmStart.gainLines(stats.variants()).forEach(out::println);
      reportSettings.putAll(warmStart.reportEntries(stats.variants()));
    }
    ReportWriter.write(summary, stats, reportSettings);
    workDir.markFinished();
    finished = true;
    return summary;
  }

  /**
   * What an earlier run left that this one resumes: empty for a new work dir, or after {@code
   * --fresh} (which wipes it), or when it left no broker log (then its rest is wiped).
   *
   * @throws WorkDirException if the earlier run finished: there is nothing to resume
   */
  private Optional<EarlierRun> earlierRunToResume() {
    if (settings.fresh() || warmStart != null) {
      workDir.wipe();
      return Optional.empty();
    }
    Optional<EarlierRun> earlier = workDir.earlierRun();
    if (earlier.isEmpty()) {
      return earlier;
    }
    EarlierRun e = earlier.get();
    if (e.finished()) {
      throw new WorkDirException(
          "work dir "
              + workDir.path()
              + " holds a run that finished ("
              + e.dataset()
              + ", started "
              + e.started()
              + "): nothing to resume; --fresh starts over in it");
    }
    if (!e.hasKafka()) {
      line.finish("the earlier run in " + workDir.path() + " left no Kafka log: starting over");
      workDir.wipe();
      return Optional.empty();
    }
    return earlier;
  }

  private void reportResume(
      EarlierRun e, Optional<RetainedCheckpoint> checkpoint, ReplayPosition position) {
    line.finish(
        String.format(
            Locale.ROOT,
            "resuming the run in %s (%s, started %s, killed or interrupted before its end)",
            workDir.path(),
            e.dataset(),
            e.started()));
    line.finish(
        checkpoint
            .map(
                c ->
                    String.format(
                        Locale.ROOT,
                        "  last retained checkpoint: %d (%s), %s: the job restores it",
                        c.id(),
                        c.completed(),
                        c.path()))
            .orElse("  no checkpoint was completed: the job starts over on the events in Kafka"));
    line.finish(
        String.format(
            Locale.ROOT,
            "  Kafka holds %,d events of the replay (acknowledged): the replay continues after"
                + " them",
            position.total()));
  }

  /** The job's options: Kafka and directories of this run, then the user's. */
  Map<String, String> jobConfig(String bootstrapServers, Optional<RetainedCheckpoint> restore) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(KafkaOptions.BOOTSTRAP_SERVERS.key(), bootstrapServers);
    c.put(
        CheckpointOptions.DIR.key(), settings.workDir().resolve("checkpoints").toUri().toString());
    c.put(CheckpointOptions.INTERVAL.key(), settings.checkpointInterval().toMillis() + " ms");
    // A run killed or interrupted is resumed from its checkpoints: keep them on cancellation too.
    c.put(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION.key(),
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION.name());
    restore.ifPresent(
        r -> {
          c.put(StateRecoveryOptions.SAVEPOINT_PATH.key(), r.path().toUri().toString());
          // Claimed: the resumed job owns it and deletes it once subsumed, as the trainer deletes
          // its model export then.
          c.put(StateRecoveryOptions.RESTORE_MODE.key(), RecoveryClaimMode.CLAIM.name());
        });
    c.put(LabelOptions.MODE.key(), settings.labelMode().name());
    c.put(TrainerOptions.SNAPSHOT_DIR.key(), snapshotDir(settings.variants().get(0)).toString());
    c.put(RestOptions.BIND_PORT.key(), Integer.toString(settings.webUiPort()));
    c.put(RestOptions.PORT.key(), Integer.toString(settings.webUiPort()));
    // A failing local job should stop the run with its error, not restart forever.
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "2");
    c.put("restart-strategy.fixed-delay.delay", "2 s");
    c.putAll(settings.jobOptions());
    if (warmStart != null) {
      warmStart
          .dir()
          .ifPresent(
              d ->
                  c.put(
                      StateRecoveryOptions.SAVEPOINT_PATH.key(), d.savepoint().toUri().toString()));
    }
    return c;
  }

  /**
   * Pretrains the dataset up to the warm start's cut into the work dir, with the job's options and
   * the first variant's model options; returns the dataset positioned after the cut.
   */
  private EventSource pretrain() throws Exception {
    Configuration config = Configuration.fromMap(jobConfig("localhost:9092", Optional.empty()));
    variantSetups().get(0).overrides().forEach(config::setString);
    DareJobOptions options = DareJobOptions.from(config);
    ModelOptions model = ModelOptions.from(config, options.trainer());
    EventSource source =
        settings
            .dataset()
            .apply(
                n -> line.update("sorting the input by event time: " + Units.count(n) + " read"));
    line.update(
        "warm start: pretraining up to " + java.time.Instant.ofEpochMilli(warmStart.untilMs()));
    warmStart.pretrained(
        new Pretrainer(options, model)
            .run(
                source,
                warmStart.untilMs(),
                "java",
                "cpu",
                workDir.path().resolve("pretrained"),
                s -> {}));
    line.finish(warmStart.pretrainLine());
    return source;
  }

  private Path snapshotDir(Variant v) {
    return settings.workDir().resolve("snapshots").resolve(nameOf(v));
  }

  private List<VariantSetup> variantSetups() {
    List<VariantSetup> setups = new ArrayList<>();
    List<VariantSetup> coldSetups = new ArrayList<>();
    for (int i = 0; i < settings.variants().size(); i++) {
      Variant v = settings.variants().get(i);
      HashMap<String, String> o = new HashMap<>();
      o.put(ModelOptions.VARIANT.key(), v.name());
      o.put(ModelOptions.MODEL_ID.key(), nameOf(v));
      o.put(TrainerOptions.SNAPSHOT_DIR.key(), snapshotDir(v).toString());
      o.putAll(settings.variantOptions().getOrDefault(v, Map.of()));
      if (i > 0) {
        // Only the first variant is served; the others publish beside it.
        o.put(
            KafkaOptions.DELTAS_TOPIC.key(),
            KafkaOptions.DELTAS_TOPIC.defaultValue() + "-" + nameOf(v));
        o.put(
            KafkaOptions.SNAPSHOTS_TOPIC.key(),
            KafkaOptions.SNAPSHOTS_TOPIC.defaultValue() + "-" + nameOf(v));
      }
      if (warmStart != null) {
        HashMap<String, String> cold = new HashMap<>(o);
        String coldName = nameOf(v) + WarmStart.COLD_SUFFIX;
        cold.put(ModelOptions.MODEL_ID.key(), coldName);
        cold.put(
            TrainerOptions.SNAPSHOT_DIR.key(),
            settings.workDir().resolve("snapshots").resolve(coldName).toString());
        cold.put(
            KafkaOptions.DELTAS_TOPIC.key(),
            KafkaOptions.DELTAS_TOPIC.defaultValue() + "-" + coldName);
        cold.put(
            KafkaOptions.SNAPSHOTS_TOPIC.key(),
            KafkaOptions.SNAPSHOTS_TOPIC.defaultValue() + "-" + coldName);
        warmStart
            .dir()
            .ifPresent(d -> o.put(TrainerOptions.INITIAL_SNAPSHOT.key(), d.snapshots().toString()));
        coldSetups.add(new VariantSetup(coldName, cold));
      }
      setups.add(new VariantSetup(nameOf(v), o));
    }
    setups.addAll(coldSetups);
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
    Path snapshots = snapshotDir(settings.variants().get(0));
    Files.createDirectories(snapshots);
    return JobServing.builder(
            Configuration.fromMap(jobConfig), snapshots, settings.workDir().resolve("serving"))
        .optPort(settings.servingPort())
        .build()
        .start();
  }

  private JobClient startJob(Map<String, String> jobConfig) throws Exception {
    Configuration config = Configuration.fromMap(jobConfig);
    DareJobOptions options = DareJobOptions.from(config);
    DareTrainJob dareTrain =
        DareTrainJob.onKafka(options, new LocalTrainingStage(runId, jobConfig, variantSetups()));
    StreamExecutionEnvironment env = DareTrainJob.environment(config, options);
    DareTrainJob.Streams streams = dareTrain.build(env);
    streams
        .events()
        .sinkTo(new CountingSink<>(runId, Counter.ACCEPTED_EVENTS))
        .uid("local-count-events")
        .name("count accepted events");
    streams
        .deadLetters()
        .sinkTo(new CountingSink<>(runId, Counter.REFUSED_EVENTS))
        .uid("local-count-refused-events")
        .name("count refused events");
    streams
        .samples()
        .sinkTo(new CountingSink<>(runId, Counter.SAMPLES))
        .uid("local-count-samples")
        .name("count samples");
    streams
        .coldClicks()
        .sinkTo(new CountingSink<>(runId, Counter.COLD_CLICKS))
        .uid("local-count-cold-clicks")
        .name("count cold clicks");
    return env.executeAsync("dare-train");
  }

  /**
   * @param resumed events the topic already holds ({@code source} skips them): the replay's
   *     position counts them, so the backlog compares like with like
   */
  private CompletableFuture<ReplayResult> startReplay(EventSource source, long resumed) {
    KafkaOptions k =
        KafkaOptions.from(
            Configuration.fromMap(jobConfig(kafka.bootstrapServers(), Optional.empty())));
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
                          stats.replayedSoFar(resumed + sent);
                          holdBackWhileJobLags(resumed + sent);
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
   * queued in Kafka rather than the pipeline. The job is behind by the events it has not decided on
   * yet: a refused event counts as taken, or more than {@code maxBacklog} dead letters would park
   * the replay for good.
   */
  private void holdBackWhileJobLags(long position) {
    long max = settings.maxBacklog();
    while (max > 0
        && position - stats.accepted() - stats.refused() > max
        && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /**
   * Prints the status line until the job has caught up with the finished replay: every event in the
   * topic accepted or dead-lettered, and every sample trained.
   */
  private void monitorUntilTrained(
      CompletableFuture<ReplayResult> replay, long resumed, long total, long start)
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
        long inKafka = resumed + replay.join().sent();
        // Counted by sinks that may still be deploying (a restore takes seconds): a count that
        // has not started yet proves nothing.
        boolean allTrained =
            stats.sampleCounts().started()
                && stats.variants().stream()
                    .allMatch(v -> v.trainedCounts().started() && v.samples() >= stats.samples());
        boolean allIngested =
            stats.accepted() >= inKafka
                || stats.accepted() + deadLetters.count(Duration.ofMillis(100)) >= inKafka;
        if ((allIngested && allTrained) || now - lastChange > QUIET_NANOS) {
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
    String savepoints = workDir.savepoints().toUri().toString();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_START_SECONDS);
    while (true) {
      try {
        job.stopWithSavepoint(true, savepoints, SavepointFormatType.CANONICAL)
            .get(120, TimeUnit.SECONDS);
        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        drained = true;
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
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (source != null) {
      source.close();
    }
    if (job != null && !drained) {
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
    if (deadLetters != null) {
      deadLetters.close();
    }
    if (kafka != null) {
      kafka.close();
    }
    if (workDir != null) {
      if (finished) {
        // Bulky and of no use after a finished run; snapshots and the report stay.
        deleteQuietly(workDir.kafka());
        deleteQuietly(workDir.checkpoints());
        deleteQuietly(workDir.savepoints());
      } else {
        LOG.info("Run not finished: {} is kept, a run on it resumes", workDir.path());
      }
      workDir.close();
    }
    if (stats != null) {
      stats.unregister();
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      LocalWorkDir.deleteTree(dir);
    } catch (UncheckedIOException e) {
      LOG.debug("Could not delete {}", dir, e);
    }
  }
}
