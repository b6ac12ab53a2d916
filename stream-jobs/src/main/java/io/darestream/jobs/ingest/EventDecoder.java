package io.darestream.jobs.ingest;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.serde.AvroCodec;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.serde.DecodeException;

/** Turns raw Kafka bytes into an {@link IngestRecord}; never throws on bad input. */
public final class EventDecoder {
  private final AvroCodec<BehaviorEvent> codec;

  public EventDecoder() {
    this(Codecs.BEHAVIOR_EVENT);
  }

  public EventDecoder(AvroCodec<BehaviorEvent> codec) {
    this.codec = codec;
  }

  /** Decodes {@code value}; a failure is recorded in the result with its reason. */
  public IngestRecord decode(
      String topic, int partition, long offset, long timestampMs, byte[] key, byte[] value) {
    try {
      BehaviorEvent event = codec.decode(value);
      return IngestRecord.decoded(topic, partition, offset, timestampMs, key, value, event);
    } catch (DecodeException e) {
      return IngestRecord.undecodable(
          topic, partition, offset, timestampMs, key, value, e.reason().name(), e.getMessage());
    } catch (RuntimeException e) {
      // Anything else from a decoder is still a property of these bytes, not of the job.
      return IngestRecord.undecodable(
          topic,
          partition,
          offset,
          timestampMs,
          key,
          value,
          DecodeException.Reason.DECODE_FAILED.name(),
          String.valueOf(e));
    }
  }
}
