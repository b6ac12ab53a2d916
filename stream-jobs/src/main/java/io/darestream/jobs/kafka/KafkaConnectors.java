package io.darestream.jobs.kafka;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.ingest.IngestRecord;
import io.darestream.jobs.ingest.IngestRecordDeserializationSchema;
import io.darestream.schemas.avro.DeadLetter;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;

/** Builds the job's Kafka sources and sinks from {@link KafkaOptions}. */
public final class KafkaConnectors {
  /** Bytes a fetch of the events topic waits for (up to {@link #FETCH_MAX_WAIT_MS}). */
  static final int FETCH_MIN_BYTES = 64 * 1024;

  /** Longest a fetch of the events topic waits for {@link #FETCH_MIN_BYTES}. */
  static final int FETCH_MAX_WAIT_MS = 50;

  private KafkaConnectors() {}

  /** Unbounded source of the events topic. */
  public static KafkaSource<IngestRecord> eventsSource(KafkaOptions options) {
    return eventsSourceBuilder(options).build();
  }

  /**
   * Source of the events topic that stops at the offsets that are the latest when the job starts:
   * replays and tests finish by themselves.
   */
  public static KafkaSource<IngestRecord> boundedEventsSource(KafkaOptions options) {
    return eventsSourceBuilder(options).setBounded(OffsetsInitializer.latest()).build();
  }

  /**
   * Source of the events topic that stops at {@code stoppingOffsets} (exclusive, per partition),
   * whenever those records arrive: a replay that is produced in parts, or while the job already
   * runs, still ends at a known point.
   */
  public static KafkaSource<IngestRecord> boundedEventsSource(
      KafkaOptions options, Map<TopicPartition, Long> stoppingOffsets) {
    return eventsSourceBuilder(options)
        .setBounded(OffsetsInitializer.offsets(stoppingOffsets))
        .build();
  }

  private static KafkaSourceBuilder<IngestRecord> eventsSourceBuilder(KafkaOptions options) {
    return KafkaSource.<IngestRecord>builder()
        .setBootstrapServers(options.bootstrapServers())
        .setTopics(options.eventsTopic())
        .setGroupId(options.groupId())
        .setStartingOffsets(startingOffsets(options.startFrom()))
        .setDeserializer(new IngestRecordDeserializationSchema())
        // Producers may write transactionally; never read what they abort.
        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        // Fetch in batches: at thousands of events/s a fetch returned for every few records costs
        // the broker and the fetcher more CPU than the records; waiting up to 50 ms for 64 KB is
        // small next to the trainer's publish interval.
        .setProperty(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(FETCH_MIN_BYTES))
        .setProperty(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(FETCH_MAX_WAIT_MS));
  }

  @SuppressWarnings("deprecation") // the connector's API still takes OffsetResetStrategy
  private static OffsetsInitializer startingOffsets(KafkaOptions.StartFrom startFrom) {
    return switch (startFrom) {
      case EARLIEST -> OffsetsInitializer.earliest();
      case LATEST -> OffsetsInitializer.latest();
      case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    };
  }

  /** Sink of the dead-letter topic. */
  public static KafkaSink<DeadLetter> deadLetterSink(KafkaOptions options) {
    return sink(options, "dlq", new DeadLetterSerializationSchema(options.dlqTopic()));
  }

  /**
   * A sink with the job's delivery guarantee. Exactly-once uses Kafka transactions committed on
   * checkpoints, with a transaction timeout the broker accepts (Flink's default of 1 h is above a
   * stock broker's 15 min maximum and every commit would fail).
   *
   * @param name unique among the job's sinks: it makes the transactional ids unique
   */
  public static <T> KafkaSink<T> sink(
      KafkaOptions options, String name, KafkaRecordSerializationSchema<T> serializer) {
    boolean exactlyOnce = options.exactlyOnce();
    return KafkaSink.<T>builder()
        .setBootstrapServers(options.bootstrapServers())
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(
            exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
        .setTransactionalIdPrefix(options.transactionalIdPrefix() + "-" + name)
        .setProperty(
            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
            Long.toString(options.transactionTimeout().toMillis()))
        .build();
  }
}
