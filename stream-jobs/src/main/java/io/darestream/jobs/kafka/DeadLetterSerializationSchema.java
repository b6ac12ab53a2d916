package io.darestream.jobs.kafka;

import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.serde.Codecs;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes {@link DeadLetter}s to the dead-letter topic, keyed by the original record's key so that
 * one user's rejects stay together and in order.
 */
public final class DeadLetterSerializationSchema
    implements KafkaRecordSerializationSchema<DeadLetter> {
  private static final long serialVersionUID = 1L;

  private final String topic;

  public DeadLetterSerializationSchema(String topic) {
    this.topic = Objects.requireNonNull(topic, "topic");
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetter letter, KafkaSinkContext context, Long timestamp) {
    // Not the stream timestamp: for undecodable records it is Long.MIN_VALUE, for future events
    // decades ahead, and the broker rejects both (the whole batch fails). The original record's
    // Kafka time is what a reader of the DLQ expects; without one the broker stamps it.
    long recordTime = letter.getRecordTimeMs();
    return new ProducerRecord<>(
        topic,
        null,
        recordTime >= 0 ? recordTime : null,
        bytes(letter.getRawKey()),
        Codecs.DEAD_LETTER.encode(letter));
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
