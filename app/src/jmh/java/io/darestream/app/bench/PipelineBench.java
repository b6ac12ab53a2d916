package io.darestream.app.bench;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.shard.ShardedTrainingStage;
import io.darestream.jobs.topology.TrainingStage;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.jobs.train.TrainerStage;
import io.darestream.kafka.embedded.EmbeddedKafka;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.serde.AvroCodec;
import io.darestream.schemas.serde.AvroTrust;
import io.darestream.schemas.serde.Codecs;
import io.darestream.serving.ServingServer;
import io.darestream.serving.kafka.KafkaSettings;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * End-to-end harness of the dare-train job with its trainer (embedded Kafka + MiniCluster +
 * RocksDB, checkpoints on); a plain main, not run in CI. Two modes:
 *
 * <ul>
 *   <li>{@code throughput [users] [behavioursPerUser]}: a click-only stream preloaded into Kafka,
 *       run to its end with a bounded source; training samples/s = samples / job wall time (job
 *       start included). With 300 behaviours per user most samples carry a full L = 200 history.
 *   <li>{@code freshness [seconds] [eventsPerSecond]}: the job runs unbounded while events are
 *       produced at a fixed rate; every delta on {@code model-deltas} is compared with its publish
 *       time (publish − min ingest = its oldest event's wait, publish − max ingest = its newest's),
 *       and an embedded {@link ServingServer} tails the deltas and reports its apply-time freshness
 *       histogram. {@code freshness [seconds] [eventsPerSecond] [warmUpSeconds]}: the first {@code
 *       warmUpSeconds} (default 10: job start, first checkpoint, serving bootstrap) are left out of
 *       the summary; a line per 10 s window shows start-up against steady state.
 * </ul>
 */
public final class PipelineBench {
  private static final String EVENTS = "behavior-events";
  private static final String DELTAS = "model-deltas";

  private PipelineBench() {}

  public static void main(String[] args) throws Exception {
    AvroTrust.ensure();
    String mode = args.length > 0 ? args[0] : "throughput";
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic(EVENTS, 2);
      kafka.createTopic("behavior-events-dlq", 1);
      kafka.createTopic(DELTAS, 1);
      kafka.createTopic("model-snapshots", 1);
      Path tmp = Files.createTempDirectory("pipeline-bench");
      Configuration c = config(kafka, tmp);
      if (mode.equals("throughput")) {
        throughput(kafka, c, intArg(args, 1, 400), intArg(args, 2, 300));
      } else {
        freshness(
            kafka, c, tmp, intArg(args, 1, 40), intArg(args, 2, 5000), intArg(args, 3, 10) * 1000L);
      }
    }
    System.exit(0); // Kafka and Flink leave non-daemon threads behind
  }

  private static Configuration config(EmbeddedKafka kafka, Path tmp) {
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
    c.set(DareJobOptions.PARALLELISM, 2);
    // 2 s (the figures so far) unless -Dbench.checkpointSeconds says otherwise (job default: 10 s).
    c.set(
        CheckpointOptions.INTERVAL, Duration.ofSeconds(Long.getLong("bench.checkpointSeconds", 2)));
    c.set(CheckpointOptions.DIR, tmp.resolve("checkpoints").toUri().toString());
    c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots").toString());
    c.set(TrainerOptions.PUBLISH_INTERVAL, Duration.ofMillis(500));
    return c;
  }

  private static void throughput(EmbeddedKafka kafka, Configuration c, int users, int perUser)
      throws Exception {
    long events;
    try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
      events = 0;
      Iterator<BehaviorEvent> it = generator(users, perUser);
      while (it.hasNext()) {
        send(producer, it.next());
        events++;
      }
      producer.flush();
    }
    // -Dbench.trainerParallelism=N (N >= 1): the sharded stage with N trainers; 0 (the default
    // here, for the older figures' sake): the single trainer. Either's scores are kept for the AUC.
    int sharded = Integer.getInteger("bench.trainerParallelism", 0);
    if (sharded > 0) {
      c.set(TrainerOptions.PARALLELISM, sharded);
    } else {
      c.set(TrainerOptions.SHARDED, false);
    }
    DareJobOptions o = DareJobOptions.from(c);
    ScoreTap.SCORES.clear();
    AtomicBoolean done = new AtomicBoolean();
    List<Long> staleness = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> readStaleness(kafka, done, staleness), "staleness-reader");
    reader.start();
    long start = System.nanoTime();
    DareTrainJob.onKafkaBounded(o, new TappedStage(ModelOptions.from(c, o.trainer()), sharded > 0))
        .execute(c);
    double s = (System.nanoTime() - start) / 1e9;
    done.set(true);
    reader.join();
    // Click-only: every (unique) event is a positive with negativeRatio sampled negatives.
    long samples = events * (1 + o.labels().negativeRatio());
    List<float[]> scores = new ArrayList<>(ScoreTap.SCORES);
    System.out.printf(
        "BENCH pipeline (%s): %d events, %d samples (%d scored: %.0f scored/s) in %.1f s ="
            + " %.0f samples/s (incl. job start); prequential AUC last 10,000 %.4f, all %.4f%n",
        sharded > 0 ? "sharded, " + sharded + " trainers" : "single trainer",
        events,
        samples,
        scores.size(),
        scores.size() / s,
        s,
        samples / s,
        auc(scores, Math.max(0, scores.size() - 10_000)),
        auc(scores, 0));
    if (!staleness.isEmpty()) {
      System.out.printf(
          "BENCH delta publish -> replica-side read (ms, %d row records): p50 %d, p99 %d%n",
          staleness.size(), pct(staleness, 0.5), pct(staleness, 0.99));
    }
  }

  /** AUC of scores[from..] (each {prediction, label}), in arrival order. */
  private static double auc(List<float[]> scores, int from) {
    int n = scores.size() - from;
    float[] p = new float[n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = scores.get(from + i)[0];
      y[i] = (int) scores.get(from + i)[1];
    }
    return io.darestream.model.metrics.Auc.compute(p, y, n);
  }

  /**
   * Tails model-deltas like a trainer's replica does: read time minus publish time per row record.
   */
  private static void readStaleness(EmbeddedKafka kafka, AtomicBoolean done, List<Long> out) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      org.apache.kafka.common.TopicPartition tp =
          new org.apache.kafka.common.TopicPartition(DELTAS, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      while (!done.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
          ModelDelta d = Codecs.MODEL_DELTA.decode(r.value());
          if (!d.getTable().startsWith("dense.")) {
            out.add(System.currentTimeMillis() - d.getPublishTimeMs());
          }
        }
      }
    }
  }

  /** The job's training stage (single or sharded) with its scores kept in {@link ScoreTap}. */
  private static final class TappedStage implements TrainingStage {
    private static final long serialVersionUID = 1L;
    private final ModelOptions model;
    private final boolean sharded;

    TappedStage(ModelOptions model, boolean sharded) {
      this.model = model;
      this.sharded = sharded;
    }

    @Override
    public void attach(DataStream<TrainingSample> samples, DareJobOptions options) {
      (sharded
              ? ShardedTrainingStage.attach(samples, model, options.trainer(), options.kafka(), "")
              : TrainerStage.trainer(samples, options, model))
          .map(new ScoreTap())
          .name("score tap");
    }
  }

  /** Keeps every prequential score in this JVM (the bench runs the MiniCluster in-process). */
  private static final class ScoreTap implements MapFunction<PrequentialScore, Integer> {
    private static final long serialVersionUID = 1L;
    static final java.util.concurrent.ConcurrentLinkedQueue<float[]> SCORES =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    public Integer map(PrequentialScore s) {
      SCORES.add(new float[] {s.prediction, s.label});
      return 0;
    }
  }

  private static void freshness(
      EmbeddedKafka kafka, Configuration c, Path tmp, int seconds, int rate, long warmUpMs)
      throws Exception {
    // Generated and encoded before the clock starts: the load generator stands for producers on
    // other machines and should not compete with the job for these two cores.
    List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>();
    Iterator<BehaviorEvent> it = generator(20_000, 300);
    while (events.size() < (long) seconds * rate && it.hasNext()) {
      BehaviorEvent e = it.next();
      events.add(record(e));
    }
    // -Dbench.trainerParallelism=N (N >= 1): the sharded stage, serving from its snapshot sets;
    // 0 (the default here, as for the figures taken before the stage was the job's default): the
    // single trainer.
    int sharded = Integer.getInteger("bench.trainerParallelism", 0);
    if (sharded > 0) {
      c.set(TrainerOptions.PARALLELISM, sharded);
    } else {
      c.set(TrainerOptions.SHARDED, false);
    }
    DareJobOptions o = DareJobOptions.from(c);
    StreamExecutionEnvironment env = DareTrainJob.environment(c, o);
    ModelOptions model = ModelOptions.from(c, o.trainer());
    DareTrainJob.onKafka(
            o, o.trainer().sharded() ? new ShardedTrainingStage(model) : new TrainerStage(model))
        .build(env);
    JobClient job = env.executeAsync("dare-train");
    AtomicBoolean done = new AtomicBoolean();
    List<long[]> deltas = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> readDeltas(kafka, done, deltas), "delta-reader");
    reader.start();
    long t0 = System.currentTimeMillis();
    ServingServer serving = null;
    HistogramSnapshot atWarmUp = null; // serving's freshness histogram when the warm-up ends
    Path snapshots = tmp.resolve("snapshots");
    try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
      long n = 0;
      long total = Math.min(events.size(), (long) seconds * rate);
      while (n < total) {
        long due = t0 + n * 1000 / rate;
        long wait = due - System.currentTimeMillis();
        if (wait > 0) {
          TimeUnit.MILLISECONDS.sleep(wait); // pacing the producer, not waiting for a result
        }
        // No timestamp in the record: the producer stamps it at send, the ingest time measured.
        producer.send(events.get((int) n));
        n++;
        if (serving == null && n % rate == 0 && hasSnapshot(snapshots)) {
          serving =
              ServingServer.builder()
                  .setSnapshotDir(snapshots)
                  .setDataDir(tmp.resolve("serving"))
                  .optKafka(KafkaSettings.of(kafka.bootstrapServers()))
                  .optPort(0)
                  .build()
                  .start();
          System.out.printf("serving started after %d ms%n", System.currentTimeMillis() - t0);
        }
        if (serving != null && atWarmUp == null && System.currentTimeMillis() >= t0 + warmUpMs) {
          atWarmUp = servingFreshness(serving).takeSnapshot();
        }
      }
      producer.flush();
    }
    TimeUnit.SECONDS.sleep(3); // let the last deltas through
    done.set(true);
    reader.join();
    job.cancel().get();
    report(deltas, t0 + warmUpMs, rate);
    reportWindows(deltas, t0);
    if (serving != null) {
      reportServing(serving);
      reportServingAfter(serving, atWarmUp);
      serving.close();
    }
  }

  private static boolean hasSnapshot(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var s = Files.list(dir)) {
      if (s.anyMatch(p -> p.getFileName().toString().startsWith("snapshot-"))) {
        return true;
      }
    }
    return !SnapshotPartReader.completeSetsNewestFirst(dir).isEmpty();
  }

  private static void readDeltas(EmbeddedKafka kafka, AtomicBoolean done, List<long[]> out) {
    try {
      readStamps(kafka, done, out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void readStamps(EmbeddedKafka kafka, AtomicBoolean done, List<long[]> out)
      throws java.io.IOException {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "pipeline-bench");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(DELTAS));
      // Only the stamps, not the rows: the reader stands for a monitor outside the system under
      // test and should not take its CPU (a full decode of every delta cost ~24 MB/s of garbage).
      Schema stamps =
          SchemaBuilder.record(ModelDelta.SCHEMA$.getName())
              .namespace(ModelDelta.SCHEMA$.getNamespace())
              .fields()
              .requiredLong("min_ingest_time_ms")
              .requiredLong("max_ingest_time_ms")
              .requiredLong("publish_time_ms")
              .endRecord();
      GenericDatumReader<GenericRecord> reader =
          new GenericDatumReader<>(ModelDelta.SCHEMA$, stamps);
      BinaryDecoder decoder = null;
      GenericRecord d = null;
      while (!done.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          byte[] v = r.value();
          decoder =
              DecoderFactory.get()
                  .binaryDecoder(
                      v, AvroCodec.HEADER_LENGTH, v.length - AvroCodec.HEADER_LENGTH, decoder);
          d = reader.read(d, decoder);
          long minIngest = (Long) d.get("min_ingest_time_ms");
          if (minIngest > 0) {
            out.add(
                new long[] {
                  (Long) d.get("publish_time_ms"),
                  minIngest,
                  (Long) d.get("max_ingest_time_ms"),
                  System.currentTimeMillis()
                });
          }
        }
      }
    }
  }

  private static void report(List<long[]> deltas, long from, int rate) {
    List<Long> oldest = new ArrayList<>();
    List<Long> newest = new ArrayList<>();
    List<Long> consumed = new ArrayList<>();
    for (long[] d : deltas) {
      if (d[1] >= from) {
        oldest.add(d[0] - d[1]);
        newest.add(d[0] - d[2]);
        consumed.add(d[3] - d[1]);
      }
    }
    System.out.printf(
        "BENCH freshness at %d events/s: %d delta records after warm-up;"
            + " publish-minIngest p50 %d ms p99 %d ms max %d ms;"
            + " publish-maxIngest p50 %d ms p99 %d ms;"
            + " consumed-minIngest p50 %d ms p99 %d ms%n",
        rate,
        oldest.size(),
        pct(oldest, 0.5),
        pct(oldest, 0.99),
        pct(oldest, 1.0),
        pct(newest, 0.5),
        pct(newest, 0.99),
        pct(consumed, 0.5),
        pct(consumed, 0.99));
  }

  /** Publish − min ingest per 10 s of the run (by publish time): start-up against steady state. */
  private static void reportWindows(List<long[]> deltas, long t0) {
    java.util.TreeMap<Long, List<Long>> oldest = new java.util.TreeMap<>();
    java.util.TreeMap<Long, List<Long>> newest = new java.util.TreeMap<>();
    for (long[] d : deltas) {
      oldest.computeIfAbsent((d[0] - t0) / 10_000, w -> new ArrayList<>()).add(d[0] - d[1]);
      newest.computeIfAbsent((d[0] - t0) / 10_000, w -> new ArrayList<>()).add(d[0] - d[2]);
    }
    for (var w : oldest.entrySet()) {
      // The newest event's lag tells a backlog (both rise) from a few late events (only min).
      System.out.printf(
          "BENCH window %3d-%3d s: %4d delta records, publish-minIngest p50 %5d ms p99 %5d ms"
              + " max %5d ms; publish-maxIngest p50 %5d ms%n",
          w.getKey() * 10,
          w.getKey() * 10 + 10,
          w.getValue().size(),
          pct(w.getValue(), 0.5),
          pct(w.getValue(), 0.99),
          pct(w.getValue(), 1.0),
          pct(newest.get(w.getKey()), 0.5));
    }
  }

  private static void reportServing(ServingServer serving) {
    var summary = serving.metrics().registry().find("serving.delta.freshness.ms").summary();
    if (summary == null || summary.count() == 0) {
      System.out.println("BENCH serving freshness: no delta applied");
      return;
    }
    HistogramSnapshot h = summary.takeSnapshot();
    System.out.printf(
        "BENCH serving freshness (apply - min ingest, all applied deltas incl. warm-up): %d deltas,"
            + " mean %.0f ms, max %.0f ms, p50 <= %.0f ms, p99 <= %.0f ms (histogram buckets)%n",
        h.count(), h.mean(), h.max(), bucket(h, 0.5), bucket(h, 0.99));
  }

  private static DistributionSummary servingFreshness(ServingServer serving) {
    return serving.metrics().registry().find("serving.delta.freshness.ms").summary();
  }

  /** Serving's apply freshness over the deltas applied after the warm-up (histogram difference). */
  private static void reportServingAfter(ServingServer serving, HistogramSnapshot atWarmUp) {
    if (atWarmUp == null) {
      System.out.println("BENCH serving freshness after warm-up: serving started too late");
      return;
    }
    CountAtBucket[] before = atWarmUp.histogramCounts();
    CountAtBucket[] after = servingFreshness(serving).takeSnapshot().histogramCounts();
    double total = after[after.length - 1].count() - before[before.length - 1].count();
    double p50 = -1;
    double p99 = -1;
    double within2s = -1;
    for (int i = 0; i < after.length; i++) {
      double cumulative = after[i].count() - before[i].count();
      if (after[i].bucket() == 2_000.0) {
        within2s = cumulative / total;
      }
      if (p50 < 0 && cumulative >= 0.5 * total) {
        p50 = after[i].bucket();
      }
      if (p99 < 0 && cumulative >= 0.99 * total) {
        p99 = after[i].bucket();
      }
    }
    System.out.printf(
        "BENCH serving freshness after warm-up (apply - min ingest): %.0f deltas, p50 <= %.0f ms,"
            + " p99 <= %.0f ms (histogram buckets); applied within 2 s: %.2f %%%n",
        total, p50, p99, within2s * 100);
  }

  private static double bucket(HistogramSnapshot h, double q) {
    double target = q * h.count();
    for (CountAtBucket b : h.histogramCounts()) {
      if (b.count() >= target) {
        return b.bucket();
      }
    }
    return h.max();
  }

  private static long pct(List<Long> values, double q) {
    if (values.isEmpty()) {
      return -1;
    }
    List<Long> s = new ArrayList<>(values);
    Collections.sort(s);
    return s.get((int) Math.min(s.size() - 1, Math.ceil(q * s.size()) - 1));
  }

  private static Iterator<BehaviorEvent> generator(int users, int perUser) {
    return new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(users)
                .setItems(100_000)
                .setBehaviorsPerUser(perUser)
                .optMode(GeneratorMode.CLICK_ONLY)
                .build())
        .events();
  }

  private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
    Properties p = kafka.producerProperties();
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    return new KafkaProducer<>(p);
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, BehaviorEvent e) {
    producer.send(record(e));
  }

  private static ProducerRecord<byte[], byte[]> record(BehaviorEvent e) {
    return new ProducerRecord<>(
        EVENTS,
        Long.toString(e.getUserId()).getBytes(StandardCharsets.UTF_8),
        Codecs.BEHAVIOR_EVENT.encode(e));
  }

  private static int intArg(String[] args, int i, int fallback) {
    return args.length > i ? Integer.parseInt(args[i]) : fallback;
  }
}
