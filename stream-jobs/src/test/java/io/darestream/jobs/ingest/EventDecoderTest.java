package io.darestream.jobs.ingest;

import static io.darestream.jobs.testing.Events.T0;
import static io.darestream.jobs.testing.Events.click;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.kafka.DeadLetterSerializationSchema;
import io.darestream.jobs.testing.Events;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.testing.AvroBytes;
import io.darestream.schemas.validate.EventPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The source's decoder on records that once took the job down or would make a dead letter too large
 * for its topic: each becomes an undecodable record with a reason, and its dead letter fits.
 */
class EventDecoderTest {
  private static final long DAY = Duration.ofDays(1).toMillis();
  private static final byte[] KEY = "42".getBytes(StandardCharsets.UTF_8);

  /** Kafka's default largest request (max.request.size): a dead letter must stay below it. */
  private static final int KAFKA_DEFAULT_MAX_REQUEST = 1 << 20;

  private final EventDecoder decoder = new EventDecoder();

  private static DeadLetter deadLetter(IngestRecord r) {
    EventGate.Verdict v =
        new EventGate(EventPolicy.builder().optMaxLatenessMs(DAY).optMaxFutureMs(DAY).build())
            .check(r, Long.MIN_VALUE, T0);
    assertThat(v.accepted()).isFalse();
    return v.deadLetter();
  }

  private static int producedSize(DeadLetter letter) {
    ProducerRecord<byte[], byte[]> record =
        new DeadLetterSerializationSchema("behavior-events-dlq").serialize(letter, null, null);
    return record.value().length + (record.key() == null ? 0 : record.key().length);
  }

  @Test
  void thePoisonPillIsAnUndecodableRecordWithItsReason() {
    byte[] pill =
        AvroBytes.concat(
            AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()),
            AvroBytes.varLong(2_000_000_000L),
            new byte[] {1, 2, 3, 4});

    IngestRecord r = decoder.decode("behavior-events", 0, 7, T0, KEY, pill);

    assertThat(r.isDecoded()).isFalse();
    assertThat(r.failureCode()).isEqualTo("BAD_LENGTH");
    assertThat(r.failureMessage()).contains("claims 2000000000 bytes");
    DeadLetter letter = deadLetter(r);
    assertThat(letter.getRawValue().array()).isEqualTo(pill);
    assertThat(Codecs.DEAD_LETTER.decode(Codecs.DEAD_LETTER.encode(letter))).isEqualTo(letter);
  }

  @Test
  void anOversizedValueIsTooLargeAndItsDeadLetterKeepsABoundedPrefix() {
    byte[] huge = new byte[3 << 20];
    new Random(1).nextBytes(huge);
    System.arraycopy(AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()), 0, huge, 0, 10);

    IngestRecord r = decoder.decode("behavior-events", 0, 7, T0, KEY, huge);

    int limit = Codecs.EVENT_LIMITS.maxRecordBytes();
    assertThat(r.failureCode()).isEqualTo("TOO_LARGE");
    assertThat(r.failureMessage())
        .contains("raw_value holds its first " + limit + " of " + huge.length + " bytes");
    assertThat(r.value()).isEqualTo(Arrays.copyOf(huge, limit));
    DeadLetter letter = deadLetter(r);
    assertThat(producedSize(letter)).isLessThan(KAFKA_DEFAULT_MAX_REQUEST);
    assertThat(Codecs.DEAD_LETTER.decode(Codecs.DEAD_LETTER.encode(letter))).isEqualTo(letter);
  }

  @Test
  void anOversizedKeyIsTooLargeEvenWithAGoodValue() {
    byte[] key = new byte[2 << 20];
    Arrays.fill(key, (byte) '7');
    byte[] value = Events.bytes(click("e1", 1, 10, T0));

    IngestRecord r = decoder.decode("behavior-events", 0, 7, T0, key, value);

    assertThat(r.isDecoded()).isFalse();
    assertThat(r.failureCode()).isEqualTo("TOO_LARGE");
    assertThat(r.failureMessage()).contains("Kafka key of " + key.length + " bytes");
    assertThat(r.key()).hasSize(EventDecoder.MAX_KEY_BYTES);
    assertThat(r.value()).isEqualTo(value);
    assertThat(producedSize(deadLetter(r))).isLessThan(KAFKA_DEFAULT_MAX_REQUEST);
  }
}
