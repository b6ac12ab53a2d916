package io.darestream.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.sequence.SequenceUpdate;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.topology.TrainingStage;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.testing.AvroBytes;
import io.darestream.schemas.testing.Events;
import io.darestream.state.sequence.AppendResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest end to end: a generated stream with duplicates and malformed records (poison pills and an
 * oversized record among them) through embedded Kafka and the job on a MiniCluster (RocksDB,
 * incremental checkpoints, exactly-once DLQ sink).
 */
class IngestITCase {
  private static final String EVENTS = "behavior-events";
  private static final String DLQ = "behavior-events-dlq";
  private static final int OVERSIZED_REQUEST_ID_CHARS = 200_000;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path checkpoints;

  @BeforeAll
  static void createTopics() {
    KAFKA.kafka().createTopic(EVENTS, 2);
    KAFKA.kafka().createTopic(DLQ, 1);
  }

  @Test
  @Timeout(180)
  void everyValidEventLandsOnceAndEveryMalformedOneIsDeadLettered() throws Exception {
    List<BehaviorEvent> valid = generate();
    // Replays of the newest events: within the lateness bound, so dedup (not the late check)
    // decides.
    List<BehaviorEvent> duplicates = valid.subList(valid.size() - 40, valid.size());
    Map<String, byte[]> malformed = malformedRecords(valid.get(0));
    produce(valid, duplicates, malformed);

    Configuration config = jobConfig();
    DareJobOptions options = DareJobOptions.from(config);
    DareTrainJob job = DareTrainJob.onKafkaBounded(options, TrainingStage.none());
    StreamExecutionEnvironment env = DareTrainJob.environment(config, options);
    DareTrainJob.Streams streams = job.build(env);
    CloseableIterator<SequenceUpdate> updatesIt = streams.sequenceUpdates().collectAsync();
    CloseableIterator<TrainingSample> samplesIt = streams.samples().collectAsync();
    env.executeAsync("ingest-itcase");
    // Drain both at once: an undrained collect sink backpressures the whole job.
    CompletableFuture<List<TrainingSample>> samplesFuture =
        CompletableFuture.supplyAsync(() -> drain(samplesIt));
    List<SequenceUpdate> updates = drain(updatesIt);
    List<TrainingSample> samples = samplesFuture.get();

    // Every valid event appended exactly once; every replayed copy refused as a duplicate.
    Map<String, Long> appended =
        updates.stream()
            .filter(u -> u.result() == AppendResult.APPENDED)
            .collect(Collectors.groupingBy(SequenceUpdate::eventId, Collectors.counting()));
    assertThat(appended).hasSize(valid.size()).allSatisfy((id, n) -> assertThat(n).isOne());
    assertThat(updates).filteredOn(u -> u.result() == AppendResult.DUPLICATE).hasSize(40);
    assertThat(updates).noneMatch(u -> u.result() == AppendResult.TOO_LATE);
    // Each user's sequence ends with all of its events.
    Map<Long, Long> perUser =
        valid.stream()
            .collect(Collectors.groupingBy(BehaviorEvent::getUserId, Collectors.counting()));
    Map<Long, Integer> finalLength = new HashMap<>();
    updates.forEach(u -> finalLength.merge(u.userId(), u.sequenceLength(), Math::max));
    perUser.forEach((user, n) -> assertThat(finalLength.get(user)).isEqualTo(n.intValue()));

    // CLICK_ONLY: one positive per valid behaviour, plus sampled negatives.
    assertThat(samples).filteredOn(s -> s.label() == 1).hasSize(valid.size());
    assertThat(samples).filteredOn(s -> s.label() == 0).isNotEmpty();

    // Every malformed record is on the DLQ, committed, with its reason.
    List<DeadLetter> letters = readDeadLetters(malformed.size());
    assertThat(letters)
        .extracting(DeadLetter::getReasonCode)
        .containsExactlyInAnyOrderElementsOf(
            malformed.keySet().stream().map(k -> k.substring(0, k.indexOf('#'))).toList());
    assertThat(letters).allSatisfy(d -> assertThat(d.getReason()).isNotBlank());
    // The oversized record's dead letter keeps a bounded prefix and says so.
    assertThat(letters)
        .filteredOn(d -> d.getReasonCode().equals("TOO_LARGE"))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getRawValue().remaining())
                  .isEqualTo(Codecs.EVENT_LIMITS.maxRecordBytes());
              assertThat(d.getReason()).contains("raw_value holds its first");
            });
  }

  private static List<BehaviorEvent> generate() {
    List<BehaviorEvent> events =
        Events.generated(
            GeneratorConfig.builder()
                .setUsers(40)
                .setItems(400)
                .setBehaviorsPerUser(50)
                .optMode(GeneratorMode.CLICK_ONLY)
                .optSeed(7)
                .build());
    assertThat(events).isNotEmpty().noneMatch(e -> e.getType() == BehaviorType.IMPRESSION);
    return events;
  }

  /** Malformed records by "REASON#n" (the expected reason code, made unique). */
  private static Map<String, byte[]> malformedRecords(BehaviorEvent template) {
    Map<String, byte[]> m = new HashMap<>();
    byte[] good = Codecs.BEHAVIOR_EVENT.encode(template);
    for (int n = 0; n < 3; n++) {
      final int i = n;
      m.put("BAD_HEADER#" + i, ("not avro " + i).getBytes(StandardCharsets.UTF_8));
      m.put("DECODE_FAILED#" + i, java.util.Arrays.copyOf(good, good.length - 3 - i));
      m.put("INVALID_FIELD#" + i, encodeChanged(template, "neg-" + i, e -> e.setItemId(-1L - i)));
      m.put(
          "UNKNOWN_TYPE#" + i,
          encodeChanged(template, "unk-" + i, e -> e.setType(BehaviorType.UNKNOWN)));
      m.put(
          "FUTURE_EVENT#" + i,
          encodeChanged(template, "fut-" + i, e -> e.setEventTimeMs(4_102_444_800_000L + i)));
    }
    m.put("EMPTY#0", new byte[0]);
    // The poison pill: a valid header and fingerprint, then event_id claiming ~2 GB (it once ran
    // the job out of memory), and a record over the event size limit.
    for (int n = 0; n < 3; n++) {
      m.put(
          "BAD_LENGTH#" + n,
          AvroBytes.concat(
              AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()),
              AvroBytes.varLong(2_000_000_000L + n),
              new byte[] {1, 2, 3, 4}));
    }
    m.put(
        "TOO_LARGE#0",
        encodeChanged(
            template, "big", e -> e.setRequestId("r".repeat(OVERSIZED_REQUEST_ID_CHARS))));
    byte[] unknownSchema = good.clone();
    unknownSchema[2] ^= 0x5A; // corrupt the fingerprint
    m.put("UNKNOWN_SCHEMA#0", unknownSchema);
    return m;
  }

  private static byte[] encodeChanged(
      BehaviorEvent template, String id, java.util.function.Consumer<BehaviorEvent> change) {
    BehaviorEvent e = BehaviorEvent.newBuilder(template).setEventId(id).build();
    change.accept(e);
    return Codecs.BEHAVIOR_EVENT.encode(e);
  }

  private static void produce(
      List<BehaviorEvent> valid, List<BehaviorEvent> duplicates, Map<String, byte[]> malformed)
      throws Exception {
    Properties p = KAFKA.kafka().producerProperties();
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      Function<BehaviorEvent, ProducerRecord<byte[], byte[]>> record =
          e ->
              new ProducerRecord<>(
                  EVENTS,
                  Long.toString(e.getUserId()).getBytes(StandardCharsets.UTF_8),
                  Codecs.BEHAVIOR_EVENT.encode(e));
      int i = 0;
      var bad = new ArrayList<>(malformed.values());
      for (BehaviorEvent e : valid) {
        sends.add(producer.send(record.apply(e)));
        if (i % 50 == 0 && !bad.isEmpty()) { // mixed in, not at the end
          sends.add(producer.send(new ProducerRecord<>(EVENTS, null, bad.remove(bad.size() - 1))));
        }
        i++;
      }
      for (byte[] b : bad) {
        sends.add(producer.send(new ProducerRecord<>(EVENTS, null, b)));
      }
      for (BehaviorEvent e : duplicates) {
        sends.add(producer.send(record.apply(e)));
      }
      producer.flush();
      for (Future<RecordMetadata> s : sends) {
        s.get();
      }
    }
  }

  private static Configuration jobConfig() {
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    c.set(KafkaOptions.GROUP_ID, "ingest-itcase");
    c.set(DareJobOptions.PARALLELISM, 2);
    c.set(LabelOptions.MODE, LabelOptions.LabelMode.CLICK_ONLY);
    c.set(LabelOptions.NEGATIVE_RATIO, 1);
    // Every click a positive, so that samples count behaviours (warm targets:
    // StructurelessStreamITCase).
    c.set(LabelOptions.WARM_MIN_COUNT, 0);
    c.set(SequenceOptions.MAX_LENGTH, 1000);
    c.set(CheckpointOptions.INTERVAL, Duration.ofMillis(500));
    c.set(CheckpointOptions.DIR, checkpoints.toUri().toString());
    // Fail the test on the first task failure instead of restarting forever.
    c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    return c;
  }

  private static <T> List<T> drain(CloseableIterator<T> it) {
    List<T> out = new ArrayList<>();
    try (it) {
      it.forEachRemaining(out::add);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static List<DeadLetter> readDeadLetters(int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<DeadLetter> letters = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(DLQ));
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer
                    .poll(Duration.ofMillis(200))
                    .forEach(r -> letters.add(Codecs.DEAD_LETTER.decode(r.value())));
                return letters.size() >= expected;
              });
    }
    return letters;
  }
}
