package io.darestream.schemas.serde;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka {@link Deserializer} for Avro single-object encoding. A record that cannot be decoded
 * raises a {@link SerializationException} whose cause is the {@link DecodeException} with the
 * reason; consumers that must not stop on bad input read bytes and call {@link AvroCodec#decode}
 * themselves, dead-lettering what fails.
 */
public class AvroKafkaDeserializer<T extends SpecificRecordBase> implements Deserializer<T> {
  private final AvroCodec<T> codec;

  public AvroKafkaDeserializer(AvroCodec<T> codec) {
    this.codec = codec;
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return codec.decode(data);
    } catch (DecodeException e) {
      throw new SerializationException(
          "Cannot decode record from topic " + topic + " (" + e.reason() + "): " + e.getMessage(),
          e);
    }
  }
}
