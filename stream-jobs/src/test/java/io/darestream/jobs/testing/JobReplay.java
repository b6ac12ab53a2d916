package io.darestream.jobs.testing;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.kafka.KafkaConnectors;
import io.darestream.jobs.sequence.SequenceUpdate;
import io.darestream.jobs.shard.ShardedTrainingStage;
import io.darestream.jobs.topology.TrainingStage;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.jobs.train.TrainerStage;
import io.darestream.kafka.embedded.EmbeddedKafka;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.input.EventReader;
import io.darestream.schemas.input.ParseOptions;
import io.darestream.schemas.serde.AvroTrust;
import io.darestream.schemas.serde.Codecs;
import io.darestream.state.snapshot.SnapshotPartManifest;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

/**
 * Replays events through the real pipeline, the way a user checks a change against a recorded
 * stream: the events (a list, or a JSON-lines / Taobao CSV file) go to fresh topics on an embedded
 * Kafka broker, the dare-train job runs on a MiniCluster (RocksDB, checkpoints on) with a bounded
 * source, and everything that came out is returned as a {@link ReplayOutput}: sequence updates,
 * samples, prequential scores, dead letters, deltas, snapshot announcements and the snapshots.
 *
 * <pre>{@code
 * ReplayOutput out = JobReplay.builder()
 *     .setKafka(kafka).setWorkDir(tmp)
 *     .setEventFile(Path.of("UserBehavior-sample.csv"), EventFormat.TAOBAO)
 *     .optConfig(LabelOptions.MODE, LabelMode.CLICK_ONLY)
 *     .build().run();
 * double auc = out.auc(1_000);
 * VerifiedSnapshot newest = out.newestSnapshot().orElseThrow();
 * }</pre>
 *
 * <p>Each run gets its own topics, consumer group, transactional ids and directories, so runs can
 * share one broker. Defaults are sized for tests (a small model, short checkpoint and publish
 * intervals, restart strategy none); {@link Builder#optConfig} overrides any of them.
 */
public final class JobReplay {
  private static final AtomicInteger RUNS = new AtomicInteger();

  private final Builder b;
  private final String runId;

  private JobReplay(Builder b) {
    this.b = b;
    this.runId = "replay" + RUNS.incrementAndGet() + "-" + ProcessHandle.current().pid();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Produces the events, runs the job to the end of its bounded input, and reads the outputs. */
  public ReplayOutput run() throws Exception {
    AvroTrust.ensure();
    Path runDir = b.workDir.resolve(runId);
    Configuration config =
        defaults(runDir.resolve("snapshots"), runDir.resolve("checkpoints").toUri().toString());
    config.addAll(b.overrides);
    DareJobOptions options = DareJobOptions.from(config);
    Path snapshotDir = Files.createDirectories(Path.of(options.trainer().snapshotDir()));
    KafkaOptions kafka = options.kafka();
    b.kafka.createTopic(kafka.eventsTopic(), b.partitions);
    b.kafka.createTopic(kafka.dlqTopic(), 1);
    b.kafka.createTopic(kafka.deltasTopic(), 1);
    b.kafka.createTopic(kafka.snapshotsTopic(), 1);

    List<ProducerRecord<byte[], byte[]>> records = records(kafka.eventsTopic());
    int split = b.heldBackFrom < 0 ? records.size() : recordIndexOfEvent(b.heldBackFrom);

    ModelOptions model = ModelOptions.from(config, options.trainer());
    AtomicReference<DataStream<PrequentialScore>> scores = new AtomicReference<>();
    UnaryOperator<DataStream<TrainingSample>> tap = b.samplesTap;
    boolean train = b.train;
    TrainingStage stage =
        (samples, opts) -> {
          DataStream<TrainingSample> tapped = tap.apply(samples);
          if (train) {
            scores.set(
                opts.trainer().sharded()
                    ? ShardedTrainingStage.attach(tapped, model, opts.trainer(), opts.kafka(), "")
                    : TrainerStage.trainer(tapped, opts, model));
          }
        };
    DareTrainJob job =
        new DareTrainJob(
            options,
            KafkaConnectors.boundedEventsSource(kafka, stoppingOffsets(records, kafka)),
            KafkaConnectors.deadLetterSink(kafka),
            stage);

    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      send(producer, records.subList(0, split));
      StreamExecutionEnvironment env = DareTrainJob.environment(config, options);
      DareTrainJob.Streams streams = job.build(env);
      CloseableIterator<SequenceUpdate> updatesIt = streams.sequenceUpdates().collectAsync();
      CloseableIterator<TrainingSample> samplesIt = streams.samples().collectAsync();
      CloseableIterator<PrequentialScore> scoresIt =
          scores.get() == null ? null : scores.get().collectAsync();
      JobClient client = env.executeAsync("dare-train-" + runId);
      // Every collect sink is drained at once: one left undrained backpressures the whole job.
      CompletableFuture<List<SequenceUpdate>> updates =
          CompletableFuture.supplyAsync(() -> drain(updatesIt));
      CompletableFuture<List<TrainingSample>> samples =
          CompletableFuture.supplyAsync(() -> drain(samplesIt));
      CompletableFuture<List<PrequentialScore>> prequential =
          scoresIt == null
              ? CompletableFuture.completedFuture(List.of())
              : CompletableFuture.supplyAsync(() -> drain(scoresIt));
      if (split < records.size()) {
        // The rest goes in only once the trainer has published a snapshot of a trained model,
        // i.e. a checkpoint with training in it is complete: a failure injected in the rest then
        // restores that state instead of starting over.
        Awaitility.await("first snapshot of a trained model in " + runId)
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    SnapshotReader.findNewestValid(snapshotDir)
                            .snapshot()
                            .filter(s -> s.manifest().version() > 0)
                            .isPresent()
                        || trainedPartSet(snapshotDir));
        send(producer, records.subList(split, records.size()));
      }
      CompletableFuture.allOf(updates, samples, prequential).join();
      client.getJobExecutionResult().get();
      return new ReplayOutput(
          List.copyOf(b.events),
          updates.get(),
          samples.get(),
          prequential.get(),
          readAll(b.kafka.bootstrapServers(), kafka.dlqTopic()),
          readAll(b.kafka.bootstrapServers(), kafka.deltasTopic()),
          readAll(b.kafka.bootstrapServers(), kafka.snapshotsTopic()),
          snapshotDir,
          config);
    }
  }

  /**
   * Whether the sharded stage has a complete snapshot set with rows in it (an owner's part is
   * written from a checkpoint with training in it).
   */
  private static boolean trainedPartSet(Path snapshotDir) {
    for (SnapshotPartReader.PartSet set : SnapshotPartReader.completeSetsNewestFirst(snapshotDir)) {
      for (Path part : set.parts()) {
        SnapshotPartManifest m = SnapshotPartReader.readManifest(part);
        if (m.writer() > 0 && m.snapshot().metrics().getOrDefault("rows", 0.0) > 0) {
          return true;
        }
      }
    }
    return false;
  }

  private Configuration defaults(Path snapshotDir, String checkpointDir) {
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, b.kafka.bootstrapServers());
    c.set(KafkaOptions.EVENTS_TOPIC, "events-" + runId);
    c.set(KafkaOptions.DLQ_TOPIC, "dlq-" + runId);
    c.set(KafkaOptions.DELTAS_TOPIC, "deltas-" + runId);
    c.set(KafkaOptions.SNAPSHOTS_TOPIC, "snapshots-" + runId);
    c.set(KafkaOptions.GROUP_ID, runId);
    c.set(KafkaOptions.TRANSACTIONAL_ID_PREFIX, runId);
    c.set(DareJobOptions.PARALLELISM, 2);
    c.set(CheckpointOptions.DIR, checkpointDir);
    c.set(CheckpointOptions.INTERVAL, Duration.ofMillis(300));
    c.set(TrainerOptions.SNAPSHOT_DIR, snapshotDir.toString());
    c.set(TrainerOptions.MICRO_BATCH_SIZE, 32);
    c.set(TrainerOptions.MAX_WAIT, Duration.ofMillis(50));
    c.set(TrainerOptions.PUBLISH_INTERVAL, Duration.ofMillis(200));
    c.set(TrainerOptions.DENSE_PUBLISH_INTERVAL, Duration.ofSeconds(1));
    c.set(SequenceOptions.MAX_LENGTH, 50);
    c.set(ModelOptions.ATTENTION_DIM, 4);
    c.set(ModelOptions.REPRESENTATION_DIM, 8);
    c.set(ModelOptions.TOP_K, 4);
    c.set(ModelOptions.MAX_HISTORY, 30);
    // A test fails on the first task failure instead of restarting forever.
    c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    return c;
  }

  /**
   * The events and malformed records in producing order. Each record goes to an explicit partition
   * (a user's events all to one, so they keep their order), so the end offsets are known before
   * anything is sent and the source can stop there even when the tail is produced later.
   */
  private List<ProducerRecord<byte[], byte[]>> records(String topic) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    int bad = 0;
    for (int i = 0; i < b.events.size(); i++) {
      BehaviorEvent e = b.events.get(i);
      out.add(
          new ProducerRecord<>(
              topic,
              Math.floorMod(Long.hashCode(e.getUserId()), b.partitions),
              Long.toString(e.getUserId()).getBytes(StandardCharsets.UTF_8),
              Codecs.BEHAVIOR_EVENT.encode(e)));
      if (bad < b.malformed.size() && (i + 1) % b.malformedEvery == 0) {
        out.add(malformed(topic, bad++));
      }
    }
    while (bad < b.malformed.size()) {
      out.add(malformed(topic, bad++));
    }
    return out;
  }

  private ProducerRecord<byte[], byte[]> malformed(String topic, int n) {
    return new ProducerRecord<>(topic, n % b.partitions, null, b.malformed.get(n));
  }

  /** Index in the record list of the {@code event}-th event (malformed records interleave). */
  private int recordIndexOfEvent(int event) {
    int before = Math.min(event / b.malformedEvery, b.malformed.size());
    return event + before;
  }

  private Map<TopicPartition, Long> stoppingOffsets(
      List<ProducerRecord<byte[], byte[]>> records, KafkaOptions kafka) {
    Map<TopicPartition, Long> end = new HashMap<>();
    for (int p = 0; p < b.partitions; p++) {
      end.put(new TopicPartition(kafka.eventsTopic(), p), 0L);
    }
    for (ProducerRecord<byte[], byte[]> r : records) {
      end.merge(new TopicPartition(r.topic(), r.partition()), 1L, Long::sum);
    }
    return end;
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Sends and checks every send: the stopping offsets assume that nothing was lost. */
  private static void send(
      KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records)
      throws Exception {
    List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
    for (ProducerRecord<byte[], byte[]> r : records) {
      sends.add(producer.send(r));
    }
    producer.flush();
    for (Future<RecordMetadata> s : sends) {
      s.get();
    }
  }

  private static <T> List<T> drain(CloseableIterator<T> it) {
    List<T> out = new ArrayList<>();
    try (it) {
      it.forEachRemaining(out::add);
    } catch (Exception e) {
      throw new IllegalStateException("collecting the job's output failed", e);
    }
    return out;
  }

  /** Every committed record of {@code topic}, partition by partition, up to its end now. */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) {
        parts.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      Awaitility.await("reading " + topic)
          .atMost(Duration.ofSeconds(30))
          .pollDelay(Duration.ZERO)
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
                return parts.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
              });
    }
    return out;
  }

  /** Reads every event of {@code file} (bad lines skipped), in file order. */
  public static List<BehaviorEvent> readEvents(Path file, EventFormat format) {
    List<BehaviorEvent> out = new ArrayList<>();
    try (EventReader reader = format.open(file, ParseOptions.skip())) {
      reader.forEachRemaining(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return out;
  }

  /**
   * Settings of a replay: broker, work directory and events are required ({@code set...}), the rest
   * optional ({@code opt...}).
   */
  public static final class Builder {
    private EmbeddedKafka kafka;
    private Path workDir;
    private List<BehaviorEvent> events;
    private List<byte[]> malformed = List.of();
    private int malformedEvery = 50;
    private final Configuration overrides = new Configuration();
    private int partitions = 2;
    private boolean train = true;
    private UnaryOperator<DataStream<TrainingSample>> samplesTap = s -> s;
    private int heldBackFrom = -1;

    private Builder() {}

    /** The broker; each replay creates its own topics on it. */
    public Builder setKafka(EmbeddedKafka kafka) {
      this.kafka = kafka;
      return this;
    }

    /** Where checkpoints and snapshots go (a subdirectory per run). */
    public Builder setWorkDir(Path workDir) {
      this.workDir = workDir;
      return this;
    }

    /** The events, produced in this order (each user's events keep their relative order). */
    public Builder setEvents(List<BehaviorEvent> events) {
      this.events = List.copyOf(events);
      return this;
    }

    /** The events of a file in {@code format} (JSON lines of BehaviorEvent, Taobao CSV, ...). */
    public Builder setEventFile(Path file, EventFormat format) {
      return setEvents(readEvents(file, format));
    }

    /** Raw records that are not valid events, mixed in: one after every {@code every} events. */
    public Builder optMalformed(List<byte[]> records, int every) {
      if (every < 1) {
        throw new IllegalArgumentException("every must be >= 1, got " + every);
      }
      this.malformed = List.copyOf(records);
      this.malformedEvery = every;
      return this;
    }

    /** Overrides one job option (label mode, model size, checkpoint interval, Flink keys...). */
    public <T> Builder optConfig(org.apache.flink.configuration.ConfigOption<T> option, T value) {
      overrides.set(option, value);
      return this;
    }

    /** Partitions of the events topic (default 2, the job's default parallelism here). */
    public Builder optPartitions(int partitions) {
      this.partitions = partitions;
      return this;
    }

    /** Without the trainer: ingest, sequences and samples only (no deltas, no snapshots). */
    public Builder optWithoutTrainer() {
      this.train = false;
      return this;
    }

    /**
     * Puts {@code tap} between the sequence stage and the trainer, e.g. an operator that injects a
     * failure. Give its operators uids: they are restored from checkpoints like the job's.
     */
    public Builder optSamplesTap(UnaryOperator<DataStream<TrainingSample>> tap) {
      this.samplesTap = Objects.requireNonNull(tap, "tap");
      return this;
    }

    /**
     * Produces the events from index {@code firstEvent} on only after the trainer published a
     * snapshot of a trained model (so after a completed checkpoint with training in it); the source
     * still stops at the very end.
     */
    public Builder optHoldBackFrom(int firstEvent) {
      this.heldBackFrom = firstEvent;
      return this;
    }

    /** Checks the settings; says what is missing. */
    public JobReplay build() {
      if (kafka == null) {
        throw new IllegalStateException("Kafka broker is required but not provided.");
      }
      if (workDir == null) {
        throw new IllegalStateException("Work directory is required but not provided.");
      }
      if (events == null || events.isEmpty()) {
        throw new IllegalStateException("Events are required but not provided (or empty).");
      }
      if (heldBackFrom >= events.size()) {
        throw new IllegalStateException(
            "held back from event " + heldBackFrom + " but there are only " + events.size());
      }
      if (heldBackFrom >= 0 && !train) {
        throw new IllegalStateException("holding events back waits for a snapshot: needs training");
      }
      return new JobReplay(this);
    }
  }
}
