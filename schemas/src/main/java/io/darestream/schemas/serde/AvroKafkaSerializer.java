package io.darestream.schemas.serde;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka {@link Serializer} writing Avro single-object encoding through an {@link AvroCodec}. */
public class AvroKafkaSerializer<T extends SpecificRecordBase> implements Serializer<T> {
  private final AvroCodec<T> codec;

  public AvroKafkaSerializer(AvroCodec<T> codec) {
    this.codec = codec;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return data == null ? null : codec.encode(data);
  }
}
