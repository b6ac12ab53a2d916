package io.darestream.app.chaos;

import io.darestream.jobs.sequence.SequenceUpdate;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes the sequence stage's audit trail ({@link SequenceUpdate}: user, event id, what happened,
 * the user's sequence length after it) to a topic as {@code user \t event \t result \t length}, so
 * that the chaos test can read, through an exactly-once sink, what the job's state went through.
 */
final class SequenceAuditSchema implements KafkaRecordSerializationSchema<SequenceUpdate> {
  private static final long serialVersionUID = 1L;

  private final String topic;

  SequenceAuditSchema(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      SequenceUpdate u, KafkaSinkContext context, Long timestamp) {
    String line = u.userId() + "\t" + u.eventId() + "\t" + u.result() + "\t" + u.sequenceLength();
    return new ProducerRecord<>(
        topic,
        Long.toString(u.userId()).getBytes(StandardCharsets.UTF_8),
        line.getBytes(StandardCharsets.UTF_8));
  }

  /** One audit record read back. */
  record Entry(long userId, String eventId, String result, int sequenceLength) {
    static Entry parse(byte[] value) {
      String[] f = new String(value, StandardCharsets.UTF_8).split("\t", -1);
      if (f.length != 4) {
        throw new IllegalArgumentException("not an audit record: " + new String(value));
      }
      return new Entry(Long.parseLong(f[0]), f[1], f[2], Integer.parseInt(f[3]));
    }
  }
}
