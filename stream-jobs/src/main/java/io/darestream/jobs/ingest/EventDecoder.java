package io.darestream.jobs.ingest;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.serde.AvroCodec;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.serde.DecodeException;
import java.util.Arrays;

/**
 * Turns raw Kafka bytes into an {@link IngestRecord}; never throws on bad input.
 *
 * <p>Bounded: decoding is bounded by the codec's limits, and the raw bytes an undecodable record
 * keeps for its dead letter are cut to those limits too. A dead letter must fit the dead-letter
 * topic (a broker refuses a message over its size limit, and the sink would then fail the job), so
 * a value over the codec's record limit keeps its first {@code maxRecordBytes} and a key over
 * {@link #MAX_KEY_BYTES} its first {@code MAX_KEY_BYTES}; the reason says how many bytes there
 * were.
 */
public final class EventDecoder {
  /**
   * Longest accepted Kafka key. The key is the user id as text; a longer one is refused ({@code
   * TOO_LARGE}), so that no key makes a dead letter too large for its topic.
   */
  public static final int MAX_KEY_BYTES = 4 << 10;

  /** Longest reason kept for a decode failure; messages of Avro's exceptions may be long. */
  static final int MAX_REASON_CHARS = 2_000;

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
    if (key != null && key.length > MAX_KEY_BYTES) {
      return IngestRecord.undecodable(
          topic,
          partition,
          offset,
          timestampMs,
          Arrays.copyOf(key, MAX_KEY_BYTES),
          keep(value),
          DecodeException.Reason.TOO_LARGE.name(),
          String.format(
              "Kafka key of %d bytes is longer than the %d accepted (a user id);"
                  + " raw_key holds its first %d bytes%s",
              key.length, MAX_KEY_BYTES, MAX_KEY_BYTES, cutNote(value)));
    }
    try {
      BehaviorEvent event = codec.decode(value);
      return IngestRecord.decoded(topic, partition, offset, timestampMs, key, value, event);
    } catch (DecodeException e) {
      return undecodable(
          topic, partition, offset, timestampMs, key, value, e.reason(), e.getMessage());
    } catch (RuntimeException e) {
      // Anything else from a decoder is still a property of these bytes, not of the job.
      return undecodable(
          topic,
          partition,
          offset,
          timestampMs,
          key,
          value,
          DecodeException.Reason.DECODE_FAILED,
          String.valueOf(e));
    }
  }

  /** A value the decoder refused: the reason bounded, the value cut to what a dead letter keeps. */
  private IngestRecord undecodable(
      String topic,
      int partition,
      long offset,
      long timestampMs,
      byte[] key,
      byte[] value,
      DecodeException.Reason reason,
      String message) {
    return IngestRecord.undecodable(
        topic,
        partition,
        offset,
        timestampMs,
        key,
        keep(value),
        reason.name(),
        bounded(message) + cutNote(value));
  }

  /** The bytes of {@code value} a dead letter keeps: all of them up to the record limit. */
  private byte[] keep(byte[] value) {
    int max = codec.limits().maxRecordBytes();
    return value == null || value.length <= max ? value : Arrays.copyOf(value, max);
  }

  private String cutNote(byte[] value) {
    int max = codec.limits().maxRecordBytes();
    return value == null || value.length <= max
        ? ""
        : String.format("; raw_value holds its first %d of %d bytes", max, value.length);
  }

  private static String bounded(String message) {
    return message.length() <= MAX_REASON_CHARS
        ? message
        : message.substring(0, MAX_REASON_CHARS) + "...";
  }
}
