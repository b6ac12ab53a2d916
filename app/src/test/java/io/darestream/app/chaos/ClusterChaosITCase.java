package io.darestream.app.chaos;

import static io.darestream.app.testing.ServedModelAssertions.assertServesExactly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.darestream.app.process.ChildJvm;
import io.darestream.app.replay.KafkaReplayer;
import io.darestream.app.replay.Pacer;
import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.kafka.KafkaConnectors;
import io.darestream.kafka.embedded.EmbeddedKafkaMain;
import io.darestream.kafka.embedded.Topics;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.model.sync.PartSetLoader;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.serde.Codecs;
import io.darestream.serving.ServingServer;
import io.darestream.serving.kafka.KafkaSettings;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotPartReader.PartSet;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos on a real cluster of processes (issue 19): a broker in its own JVM, a Flink session cluster
 * (JobManager and TaskManager JVMs from this class path, RocksDB, checkpoints every second,
 * fixed-delay restarts), the dare-train job submitted over REST, serving in this JVM. While a
 * generated stream is replayed, the TaskManager is killed with SIGKILL at random points and
 * replaced; serving is restarted once half-way. Afterwards:
 *
 * <ul>
 *   <li><b>every user's sequence holds each event exactly once.</b> The sequence stage's audit
 *       trail (one {@code SequenceUpdate} per behaviour: event id, result, the user's sequence
 *       length after it) goes through an exactly-once Kafka sink, so the committed trail is exactly
 *       what the job's state went through in the checkpoints that survived. Each event must appear
 *       in it once, appended, and the k-th append of a user must leave a sequence of length k: a
 *       behaviour appended twice to the state (a replay not covered by the restore) or one lost
 *       would show as a duplicate id, a missing id, or a length off by one;
 *   <li>no event is dead-lettered (re-processed events are not late);
 *   <li><b>serving's model equals the trainer's</b>: after a draining stop, every row and dense
 *       block serving holds equals the final snapshot's (the sharded stage's newest complete set of
 *       parts; {@code -Dchaos.single-trainer=true} runs the single trainer, whose final snapshot is
 *       also serving's position).
 * </ul>
 *
 * <p>CI runs 3 kills on a small stream. The full run: {@code mvn -B -ntp -pl app -am verify
 * -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ClusterChaosITCase -Dchaos.kills=20
 * -Dchaos.users=200 -Dchaos.behaviors-per-user=60}; it prints one line of figures ({@code chaos:
 * kills=...}).
 */
class ClusterChaosITCase {
  private static final int KILLS = Integer.getInteger("chaos.kills", 3);
  private static final int USERS = Integer.getInteger("chaos.users", 40);
  private static final int BEHAVIOURS = Integer.getInteger("chaos.behaviors-per-user", 40);
  private static final long SEED = Long.getLong("chaos.seed", System.nanoTime());
  private static final boolean SINGLE_TRAINER = Boolean.getBoolean("chaos.single-trainer");
  private static final String AUDIT = "chaos-sequence-audit";
  private static final int MAX_SEQUENCE = 200;
  private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  // Kept when the test fails: the processes' output files are the evidence.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;

  @Test
  void everyEventOnceInItsSequenceAndServingEqualsTheTrainerAfterTaskManagerKills()
      throws Exception {
    long start = System.nanoTime();
    Random random = new Random(SEED);
    List<BehaviorEvent> events = generate();
    Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
    Path checkpoints = tmp.resolve("checkpoints");
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    ServingServer serving = null;
    try (ChildJvm broker =
            ChildJvm.start(
                "kafka",
                tmp,
                List.of("-Xmx512m"),
                EmbeddedKafkaMain.class.getName(),
                List.of("--log-dir", tmp.resolve("kafka").toString()));
        FlinkProcessCluster cluster = FlinkProcessCluster.start(tmp.resolve("flink"), Map.of())) {
      String bootstrap = bootstrapOf(broker);
      Map<String, String> jobConfig = jobConfig(bootstrap, checkpoints, snapshots);
      KafkaOptions kafka = KafkaOptions.from(Configuration.fromMap(jobConfig));
      createTopics(bootstrap, kafka);
      serving = startServing(bootstrap, kafka, snapshots);
      cluster.startTaskManager();
      JobClient job = submit(cluster, jobConfig);
      String jobId = job.getJobID().toHexString();

      List<List<BehaviorEvent>> chunks = chunks(events, KILLS + 1);
      try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
        long lastCheckpoint = 0;
        for (int k = 0; k < KILLS; k++) {
          lastCheckpoint = awaitCheckpointAfter(checkpoints, jobId, lastCheckpoint, cluster, job);
          CompletableFuture<Void> replay = replayAsync(producer, kafka, chunks.get(k));
          // A random point while the chunk is being replayed and processed.
          long delayMs = 200 + random.nextInt(2_300);
          timer.schedule(cluster::killTaskManager, delayMs, TimeUnit.MILLISECONDS).get();
          if (k == KILLS / 2) {
            serving.close();
            serving = startServing(bootstrap, kafka, snapshots);
          }
          cluster.startTaskManager();
          replay.get(60, TimeUnit.SECONDS);
          lastCheckpoint = latestCheckpoint(checkpoints, jobId);
        }
        awaitCheckpointAfter(checkpoints, jobId, lastCheckpoint, cluster, job);
        replayAsync(producer, kafka, chunks.get(KILLS)).get(60, TimeUnit.SECONDS);
      }

      long behaviours = events.stream().filter(e -> e.getType() != BehaviorType.IMPRESSION).count();
      List<SequenceAuditSchema.Entry> audit = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer = committedReader(bootstrap, AUDIT)) {
        await("every behaviour in the committed audit trail")
            .atMost(Duration.ofSeconds(300))
            .pollInterval(Duration.ofMillis(500))
            .failFast("the job ended: " + job.getJobStatus().get(), () -> ended(job))
            .until(
                () -> {
                  poll(consumer, r -> audit.add(SequenceAuditSchema.Entry.parse(r.value())));
                  return audit.size() >= behaviours;
                });
      }
      long restarts = restarts(cluster, jobId);
      job.stopWithSavepoint(
              false, tmp.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
          .get(180, TimeUnit.SECONDS);

      AuditCheck check = AuditCheck.of(audit, events, MAX_SEQUENCE);
      System.out.printf(
          "chaos: kills=%d, taskmanagers=%d, restarts=%d, events=%d, audited=%d, duplicates=%d,"
              + " lost=%d, not appended=%d, wrong lengths=%d, wall=%.0fs, seed=%d, trainer=%s%n",
          KILLS,
          cluster.taskManagersStarted(),
          restarts,
          events.size(),
          audit.size(),
          check.duplicates(),
          check.lost(),
          check.notAppended(),
          check.wrongLengths(),
          (System.nanoTime() - start) / 1e9,
          SEED,
          SINGLE_TRAINER ? "single" : "sharded");
      assertThat(restarts).as("the job restarted after the kills").isGreaterThanOrEqualTo(KILLS);
      assertThat(check.duplicates()).as("events twice in a sequence").isZero();
      assertThat(check.lost()).as("events missing from their sequence").isZero();
      assertThat(check.notAppended()).as("events refused (duplicate, too late)").isZero();
      assertThat(check.wrongLengths()).as("sequence lengths off after an append").isZero();
      assertThat(audit).hasSize((int) behaviours);
      assertThat(countCommitted(bootstrap, kafka.dlqTopic())).as("dead letters").isZero();

      assertServingEqualsTheTrainer(serving, snapshots, bootstrap, kafka);
    } finally {
      timer.shutdownNow();
      if (serving != null) {
        serving.close();
      }
    }
  }

  private static List<BehaviorEvent> generate() {
    List<BehaviorEvent> events = new ArrayList<>();
    new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(USERS)
                .setItems(Math.max(100, USERS * 5))
                .setBehaviorsPerUser(BEHAVIOURS)
                .optTopics(10)
                .optCategories(20)
                .optMode(GeneratorMode.CLICK_ONLY)
                .optSeed(17)
                .build())
        .events()
        .forEachRemaining(events::add);
    return events;
  }

  private Map<String, String> jobConfig(String bootstrap, Path checkpoints, Path snapshots) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(KafkaOptions.BOOTSTRAP_SERVERS.key(), bootstrap);
    c.put(CheckpointOptions.DIR.key(), checkpoints.toUri().toString());
    c.put(CheckpointOptions.INTERVAL.key(), "1 s");
    c.put(LabelOptions.MODE.key(), LabelMode.CLICK_ONLY.name());
    c.put(TrainerOptions.SNAPSHOT_DIR.key(), snapshots.toString());
    c.put(SequenceOptions.MAX_LENGTH.key(), Integer.toString(MAX_SEQUENCE));
    c.put(TrainerOptions.SHARDED.key(), Boolean.toString(!SINGLE_TRAINER));
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "1000");
    c.put("restart-strategy.fixed-delay.delay", "1 s");
    return c;
  }

  private static String bootstrapOf(ChildJvm broker) {
    Pattern ready = Pattern.compile(Pattern.quote(EmbeddedKafkaMain.READY) + "(\\S+)");
    return await("the broker process")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .failFast("the broker died:\n" + broker.tail(30), () -> !broker.isAlive())
        .until(
            () -> {
              Matcher m = ready.matcher(broker.output());
              return m.find() ? m.group(1) : null;
            },
            b -> b != null);
  }

  private static void createTopics(String bootstrap, KafkaOptions k) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      Topics.ensure(
          admin,
          List.of(
              new NewTopic(k.eventsTopic(), 2, (short) 1),
              new NewTopic(k.dlqTopic(), 1, (short) 1),
              new NewTopic(k.deltasTopic(), 1, (short) 1),
              new NewTopic(k.snapshotsTopic(), 1, (short) 1),
              new NewTopic(AUDIT, 1, (short) 1)),
          Duration.ofSeconds(60));
    }
  }

  private ServingServer startServing(String bootstrap, KafkaOptions k, Path snapshots) {
    return ServingServer.builder()
        .setSnapshotDir(snapshots)
        .setDataDir(tmp.resolve("serving"))
        .optKafka(
            new KafkaSettings(
                bootstrap, k.deltasTopic(), k.snapshotsTopic(), k.eventsTopic(), Map.of()))
        .optHost("127.0.0.1")
        .optPort(0)
        .optThreads(2)
        .build()
        .start();
  }

  /** The dare-train job plus the audit sink, submitted to the session cluster over REST. */
  private static JobClient submit(FlinkProcessCluster cluster, Map<String, String> jobConfig)
      throws Exception {
    Configuration config = Configuration.fromMap(jobConfig);
    DareJobOptions options = DareJobOptions.from(config);
    Configuration envConfig = new Configuration(config);
    options.checkpoint().applyTo(envConfig);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createRemoteEnvironment(
            "localhost", cluster.restPort(), envConfig);
    env.setParallelism(options.parallelism());
    DareTrainJob.Streams streams =
        DareTrainJob.onKafka(
                options,
                DareTrainJob.trainingStage(options, ModelOptions.from(config, options.trainer())))
            .build(env);
    streams
        .sequenceUpdates()
        .sinkTo(KafkaConnectors.sink(options.kafka(), "audit", new SequenceAuditSchema(AUDIT)))
        .uid("chaos-sequence-audit")
        .name("sequence audit");
    return env.executeAsync("dare-train");
  }

  /**
   * Waits until the job runs again and has completed a checkpoint newer than {@code after}: every
   * task is running then, the restore is done, and the next kill hits a job that makes progress.
   */
  private static long awaitCheckpointAfter(
      Path checkpoints, String jobId, long after, FlinkProcessCluster cluster, JobClient job) {
    return await("a checkpoint after " + after)
        .atMost(Duration.ofSeconds(240))
        .pollInterval(Duration.ofMillis(100))
        .failFast(
            "the JobManager died:\n" + cluster.jobManager().tail(40),
            () -> !cluster.jobManager().isAlive())
        .failFast("the job ended", () -> ended(job))
        .until(() -> latestCheckpoint(checkpoints, jobId), id -> id > after);
  }

  private static boolean ended(JobClient job) throws Exception {
    return job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState();
  }

  /** The newest completed checkpoint of the job (its {@code _metadata} exists), or 0. */
  private static long latestCheckpoint(Path checkpoints, String jobId) {
    Path dir = checkpoints.resolve(jobId);
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children
          .filter(p -> Files.exists(p.resolve("_metadata")))
          .map(p -> CHECKPOINT.matcher(p.getFileName().toString()))
          .filter(Matcher::matches)
          .mapToLong(m -> Long.parseLong(m.group(1)))
          .max()
          .orElse(0);
    } catch (IOException | UncheckedIOException e) {
      return 0; // a checkpoint deleted while listing: look again
    }
  }

  /**
   * The job's restarts so far, from the JobManager's {@code numRestarts} metric (the REST API
   * answers with no metrics until its fetcher has run once).
   */
  private static long restarts(FlinkProcessCluster cluster, String jobId) {
    URI uri =
        URI.create(
            "http://localhost:"
                + cluster.restPort()
                + "/jobs/"
                + jobId
                + "/metrics?get=numRestarts");
    Pattern value = Pattern.compile("\"value\"\\s*:\\s*\"(\\d+)\"");
    return await("the numRestarts metric")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              String body =
                  HTTP.send(
                          HttpRequest.newBuilder(uri).GET().build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body();
              Matcher m = value.matcher(body);
              return m.find() ? Long.parseLong(m.group(1)) : -1L;
            },
            n -> n >= 0);
  }

  private static List<List<BehaviorEvent>> chunks(List<BehaviorEvent> events, int n) {
    List<List<BehaviorEvent>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(events.subList(events.size() * i / n, events.size() * (i + 1) / n));
    }
    return out;
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Sends {@code chunk} over about two seconds, checking every send. */
  private static CompletableFuture<Void> replayAsync(
      KafkaProducer<byte[], byte[]> producer, KafkaOptions k, List<BehaviorEvent> chunk) {
    return CompletableFuture.runAsync(
        () -> {
          Pacer pacer = Pacer.maxRate(Math.max(50, chunk.size() / 2.0));
          List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
          for (BehaviorEvent e : chunk) {
            pacer.pace(e.getEventTimeMs());
            byte[] key = KafkaReplayer.keyOf(e);
            sends.add(
                producer.send(
                    new ProducerRecord<>(k.eventsTopic(), key, Codecs.BEHAVIOR_EVENT.encode(e))));
          }
          try {
            for (java.util.concurrent.Future<?> s : sends) {
              s.get(60, TimeUnit.SECONDS);
            }
          } catch (Exception e) {
            throw new IllegalStateException("a replayed event was not acknowledged", e);
          }
        });
  }

  private static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts =
        c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    c.assign(parts);
    c.seekToBeginning(parts);
    return c;
  }

  private static void poll(
      KafkaConsumer<byte[], byte[]> c, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
      each.accept(r);
    }
  }

  /** Committed records of {@code topic}, read to its last stable offsets. */
  private static long countCommitted(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = committedReader(bootstrap, topic)) {
      Map<TopicPartition, Long> ends = c.endOffsets(c.assignment());
      AtomicLong n = new AtomicLong();
      await("reading " + topic)
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                poll(c, r -> n.incrementAndGet());
                return ends.entrySet().stream()
                    .allMatch(e -> c.position(e.getKey()) >= e.getValue());
              });
      return n.get();
    }
  }

  /**
   * After the draining stop, serving holds exactly the trainer's final model. The sharded stage
   * (the default): the newest complete snapshot set, which its owners and averager wrote from their
   * state at the final checkpoint. The single trainer: its final snapshot, which is also the newest
   * delta of its epoch and serving's position.
   */
  private static void assertServingEqualsTheTrainer(
      ServingServer serving, Path snapshots, String bootstrap, KafkaOptions k) throws Exception {
    List<PartSet> sets = SnapshotPartReader.completeSetsNewestFirst(snapshots);
    if (!sets.isEmpty()) {
      DareModel owners = PartSetLoader.load(SnapshotPartReader.verify(sets.get(0))).model();
      await("serving holds the owners' final model (set " + sets.get(0).key() + ")")
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertServesExactly(serving, owners));
      return;
    }
    VerifiedSnapshot last = SnapshotReader.findNewestValid(snapshots).snapshot().orElseThrow();
    ModelVersion finalPosition =
        new ModelVersion(last.manifest().epoch(), last.manifest().version());
    long newestDelta = 0;
    try (KafkaConsumer<byte[], byte[]> c = committedReader(bootstrap, k.deltasTopic())) {
      Map<TopicPartition, Long> ends = c.endOffsets(c.assignment());
      List<ModelDelta> deltas = new ArrayList<>();
      await("reading the deltas")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                poll(c, r -> deltas.add(Codecs.MODEL_DELTA.decode(r.value())));
                return ends.entrySet().stream()
                    .allMatch(e -> c.position(e.getKey()) >= e.getValue());
              });
      for (ModelDelta d : deltas) {
        if (d.getEpoch() == finalPosition.epoch()) {
          newestDelta = Math.max(newestDelta, d.getVersion());
        }
      }
    }
    assertThat(newestDelta)
        .as("the final snapshot is the newest delta")
        .isEqualTo(finalPosition.version());
    DareModel trainer;
    try (ModelStore store = last.openStore()) {
      trainer = ModelStoreSync.load(store);
    }
    await("serving at the trainer's final position " + finalPosition)
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> serving.modelStatus().map(ModelStatus::position),
            p -> p.isPresent() && p.get().equals(finalPosition));
    assertServesExactly(serving, trainer);
  }

  /**
   * What the committed audit trail says about the sequences: per event id how often it was
   * appended, and whether each user's k-th append left a sequence of length k.
   */
  record AuditCheck(long duplicates, long lost, long notAppended, long wrongLengths) {
    static AuditCheck of(
        List<SequenceAuditSchema.Entry> audit, List<BehaviorEvent> events, int maxSequence) {
      Map<String, Integer> seen = new HashMap<>();
      Map<Long, Integer> appends = new HashMap<>();
      long notAppended = 0;
      long wrongLengths = 0;
      for (SequenceAuditSchema.Entry e : audit) {
        seen.merge(e.eventId(), 1, Integer::sum);
        if (!e.result().equals("APPENDED")) {
          notAppended++;
          continue;
        }
        int k = appends.merge(e.userId(), 1, Integer::sum);
        if (e.sequenceLength() != Math.min(k, maxSequence)) {
          wrongLengths++;
        }
      }
      long duplicates = seen.values().stream().filter(n -> n > 1).count();
      long lost =
          events.stream()
              .filter(e -> e.getType() != BehaviorType.IMPRESSION)
              .filter(e -> !seen.containsKey(e.getEventId()))
              .count();
      return new AuditCheck(duplicates, lost, notAppended, wrongLengths);
    }
  }
}
