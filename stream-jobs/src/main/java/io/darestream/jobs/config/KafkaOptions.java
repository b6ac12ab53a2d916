package io.darestream.jobs.config;

import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Kafka connection, topic names and delivery settings of the dare-train job. */
public final class KafkaOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final ConfigOption<String> BOOTSTRAP_SERVERS =
      ConfigOptions.key("dare.kafka.bootstrap-servers")
          .stringType()
          .defaultValue("localhost:9092")
          .withDescription("Kafka bootstrap servers (host:port,...).");

  public static final ConfigOption<String> EVENTS_TOPIC =
      ConfigOptions.key("dare.kafka.topic.events")
          .stringType()
          .defaultValue("behavior-events")
          .withDescription("Topic of Avro BehaviorEvent records (key = user id).");

  public static final ConfigOption<String> DLQ_TOPIC =
      ConfigOptions.key("dare.kafka.topic.dlq")
          .stringType()
          .defaultValue("behavior-events-dlq")
          .withDescription("Dead-letter topic: records that failed decoding or validation.");

  public static final ConfigOption<String> DELTAS_TOPIC =
      ConfigOptions.key("dare.kafka.topic.deltas")
          .stringType()
          .defaultValue("model-deltas")
          .withDescription("Topic the trainer publishes changed model rows to.");

  public static final ConfigOption<String> SNAPSHOTS_TOPIC =
      ConfigOptions.key("dare.kafka.topic.snapshots")
          .stringType()
          .defaultValue("model-snapshots")
          .withDescription("Topic the trainer announces published snapshots on.");

  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("dare.kafka.group-id")
          .stringType()
          .defaultValue("dare-train")
          .withDescription(
              "Consumer group id of the events source (offsets are committed on checkpoints, for"
                  + " monitoring; the checkpoint is the source of truth).");

  public static final ConfigOption<StartFrom> START_FROM =
      ConfigOptions.key("dare.kafka.start-from")
          .enumType(StartFrom.class)
          .defaultValue(StartFrom.EARLIEST)
          .withDescription(
              "Where a fresh job (no checkpoint) starts reading: EARLIEST replays the topic,"
                  + " COMMITTED resumes the group's offsets (earliest if none), LATEST skips"
                  + " history.");

  public static final ConfigOption<Boolean> EXACTLY_ONCE =
      ConfigOptions.key("dare.kafka.exactly-once")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Write output topics with Kafka transactions committed on checkpoints. Readers of"
                  + " those topics must use isolation.level=read_committed.");

  public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
      ConfigOptions.key("dare.kafka.transactional-id-prefix")
          .stringType()
          .defaultValue("dare-train")
          .withDescription(
              "Prefix of the sinks' transactional ids; unique per job on a cluster (each sink"
                  + " appends its own suffix).");

  public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
      ConfigOptions.key("dare.kafka.transaction-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "Kafka transaction timeout of exactly-once sinks. Must not exceed the broker's"
                  + " transaction.max.timeout.ms (15 min by default); Flink's own default of 1 h"
                  + " is refused by a stock broker.");

  /** Where a job without a checkpoint starts reading the events topic. */
  public enum StartFrom {
    EARLIEST,
    COMMITTED,
    LATEST
  }

  private final String bootstrapServers;
  private final String eventsTopic;
  private final String dlqTopic;
  private final String deltasTopic;
  private final String snapshotsTopic;
  private final String groupId;
  private final StartFrom startFrom;
  private final boolean exactlyOnce;
  private final String transactionalIdPrefix;
  private final Duration transactionTimeout;

  private KafkaOptions(ReadableConfig c) {
    this.bootstrapServers = Checks.notBlank(c, BOOTSTRAP_SERVERS);
    this.eventsTopic = Checks.notBlank(c, EVENTS_TOPIC);
    this.dlqTopic = Checks.notBlank(c, DLQ_TOPIC);
    this.deltasTopic = Checks.notBlank(c, DELTAS_TOPIC);
    this.snapshotsTopic = Checks.notBlank(c, SNAPSHOTS_TOPIC);
    this.groupId = Checks.notBlank(c, GROUP_ID);
    this.startFrom = c.get(START_FROM);
    this.exactlyOnce = c.get(EXACTLY_ONCE);
    this.transactionalIdPrefix = Checks.notBlank(c, TRANSACTIONAL_ID_PREFIX);
    this.transactionTimeout = Checks.positiveDuration(c, TRANSACTION_TIMEOUT);
  }

  /** Reads and checks the options from {@code config}. */
  public static KafkaOptions from(ReadableConfig config) {
    return new KafkaOptions(config);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String eventsTopic() {
    return eventsTopic;
  }

  public String dlqTopic() {
    return dlqTopic;
  }

  public String deltasTopic() {
    return deltasTopic;
  }

  public String snapshotsTopic() {
    return snapshotsTopic;
  }

  public String groupId() {
    return groupId;
  }

  public StartFrom startFrom() {
    return startFrom;
  }

  public boolean exactlyOnce() {
    return exactlyOnce;
  }

  public String transactionalIdPrefix() {
    return transactionalIdPrefix;
  }

  public Duration transactionTimeout() {
    return transactionTimeout;
  }
}
