package io.darestream.serving.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Where serving reads from: the bootstrap servers, the three topic names and extra consumer
 * properties (security settings and the like) passed through unchanged.
 */
public record KafkaSettings(
    String bootstrapServers,
    String deltasTopic,
    String snapshotsTopic,
    String eventsTopic,
    Map<String, String> extraProperties) {
  public static final String DEFAULT_DELTAS_TOPIC = "model-deltas";
  public static final String DEFAULT_SNAPSHOTS_TOPIC = "model-snapshots";
  public static final String DEFAULT_EVENTS_TOPIC = "behavior-events";

  /** How long one poll waits; bounds how quickly a shutdown or a seek request is noticed. */
  public static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

  public KafkaSettings {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(deltasTopic, "deltasTopic");
    Objects.requireNonNull(snapshotsTopic, "snapshotsTopic");
    Objects.requireNonNull(eventsTopic, "eventsTopic");
    extraProperties = Map.copyOf(extraProperties);
  }

  /** The default topic names on {@code bootstrapServers}. */
  public static KafkaSettings of(String bootstrapServers) {
    return new KafkaSettings(
        bootstrapServers,
        DEFAULT_DELTAS_TOPIC,
        DEFAULT_SNAPSHOTS_TOPIC,
        DEFAULT_EVENTS_TOPIC,
        Map.of());
  }

  /**
   * Admin client properties for a tailer's {@link AdminFeedProbe}: the consumer's, less the
   * consumer's own settings (bootstrap servers, client id, security and config providers stay).
   */
  Properties adminProperties(String clientId) {
    return AdminFeedProbe.adminOnly(consumerProperties(clientId));
  }

  /**
   * Consumer properties for a tailer. No group: every serving replica reads every partition, with
   * positions it chooses itself (snapshot offsets, its own offset file), so nothing is committed.
   */
  Properties consumerProperties(String clientId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // The trainer writes model topics transactionally (exactly-once sink): never read aborted rows.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Fetch in batches (a fetch per few records costs the broker and this process more CPU than
    // the records); 50 ms is small next to the trainer's publish interval. Overridable below.
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(64 * 1024));
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.putAll(extraProperties);
    return p;
  }
}
