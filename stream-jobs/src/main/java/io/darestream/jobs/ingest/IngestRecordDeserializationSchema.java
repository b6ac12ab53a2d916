package io.darestream.jobs.ingest;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads events-topic records as {@link IngestRecord}s: raw bytes and coordinates kept, value
 * decoded. Emits every record, decodable or not, so nothing is dropped silently.
 */
public final class IngestRecordDeserializationSchema
    implements KafkaRecordDeserializationSchema<IngestRecord> {
  private static final long serialVersionUID = 1L;

  private transient EventDecoder decoder;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestRecord> out) {
    if (decoder == null) {
      decoder = new EventDecoder();
    }
    out.collect(
        decoder.decode(
            record.topic(),
            record.partition(),
            record.offset(),
            record.timestamp(),
            record.key(),
            record.value()));
  }

  @Override
  public TypeInformation<IngestRecord> getProducedType() {
    return IngestRecordSerializer.TYPE_INFO;
  }
}
