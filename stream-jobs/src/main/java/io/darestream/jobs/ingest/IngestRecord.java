package io.darestream.jobs.ingest;

import io.darestream.schemas.avro.BehaviorEvent;
import java.util.Objects;

/**
 * One record read from the events topic: its Kafka coordinates and raw bytes (kept so that a
 * rejected record reaches the dead-letter topic unchanged) and either the decoded event or why it
 * did not decode.
 *
 * <p>Decoding happens in the source (see {@link IngestRecordDeserializationSchema}) because the
 * source's per-partition watermarks need the event time; validation and routing happen in {@link
 * IngestFunction}. Treated as immutable.
 */
public final class IngestRecord {
  private final String topic;
  private final int partition;
  private final long offset;
  private final long kafkaTimestampMs;
  private final byte[] key;
  private final byte[] value;
  private final BehaviorEvent event;
  private final String failureCode;
  private final String failureMessage;

  private IngestRecord(
      String topic,
      int partition,
      long offset,
      long kafkaTimestampMs,
      byte[] key,
      byte[] value,
      BehaviorEvent event,
      String failureCode,
      String failureMessage) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.partition = partition;
    this.offset = offset;
    this.kafkaTimestampMs = kafkaTimestampMs;
    this.key = key;
    this.value = value;
    this.event = event;
    this.failureCode = failureCode;
    this.failureMessage = failureMessage;
  }

  static IngestRecord decoded(
      String topic,
      int partition,
      long offset,
      long kafkaTimestampMs,
      byte[] key,
      byte[] value,
      BehaviorEvent event) {
    return new IngestRecord(
        topic,
        partition,
        offset,
        kafkaTimestampMs,
        key,
        value,
        Objects.requireNonNull(event, "event"),
        null,
        null);
  }

  static IngestRecord undecodable(
      String topic,
      int partition,
      long offset,
      long kafkaTimestampMs,
      byte[] key,
      byte[] value,
      String failureCode,
      String failureMessage) {
    return new IngestRecord(
        topic,
        partition,
        offset,
        kafkaTimestampMs,
        key,
        value,
        null,
        Objects.requireNonNull(failureCode, "failureCode"),
        Objects.requireNonNull(failureMessage, "failureMessage"));
  }

  public String topic() {
    return topic;
  }

  public int partition() {
    return partition;
  }

  public long offset() {
    return offset;
  }

  /** Kafka record timestamp (epoch ms), -1 if none. */
  public long kafkaTimestampMs() {
    return kafkaTimestampMs;
  }

  /** Raw key bytes, or null. Not copied: do not modify. */
  public byte[] key() {
    return key;
  }

  /** Raw value bytes, or null. Not copied: do not modify. */
  public byte[] value() {
    return value;
  }

  public boolean isDecoded() {
    return event != null;
  }

  /** The decoded event; null if {@link #isDecoded()} is false. */
  public BehaviorEvent event() {
    return event;
  }

  /** Reason code of the decode failure, or null. */
  public String failureCode() {
    return failureCode;
  }

  /** Description of the decode failure, or null. */
  public String failureMessage() {
    return failureMessage;
  }

  @Override
  public String toString() {
    return "IngestRecord{"
        + topic
        + "-"
        + partition
        + "@"
        + offset
        + (event != null ? ", " + event.getEventId() : ", " + failureCode)
        + "}";
  }
}
