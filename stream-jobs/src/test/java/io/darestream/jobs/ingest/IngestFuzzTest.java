package io.darestream.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.kafka.DeadLetterSerializationSchema;
import io.darestream.jobs.serde.AvroRecordSerializer;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.testing.ForgedRecords;
import io.darestream.schemas.testing.ForgedRecords.Forged;
import io.darestream.schemas.testing.ForgedRecords.Kind;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.schemas.validate.Violation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * Forged records of every kind through the job's real ingest path: the source's deserialization
 * schema, then {@link IngestFunction} in an operator harness. Nothing throws; every record that
 * must be accepted comes out; every other one is dead-lettered with a reason its kind allows, in a
 * dead letter that survives Flink's serializer and fits the dead-letter topic. {@code
 * -Dfuzz.records=N} for a longer run.
 */
class IngestFuzzTest {
  private static final long RECORDS = Long.getLong("fuzz.records", 2_000);
  private static final long SEED = Long.getLong("fuzz.seed", 3);
  private static final long DAY = Duration.ofDays(1).toMillis();
  private static final String TOPIC = "behavior-events";

  @Test
  void everyForgedRecordIsAcceptedOrDeadLetteredWithAnAllowedReason() throws Exception {
    IngestRecordDeserializationSchema source = new IngestRecordDeserializationSchema();
    List<IngestRecord> decoded = new ArrayList<>();
    Collector<IngestRecord> collector =
        new Collector<>() {
          @Override
          public void collect(IngestRecord r) {
            decoded.add(r);
          }

          @Override
          public void close() {}
        };
    Map<Long, Forged> byOffset = new HashMap<>();
    long accepted = 0;
    long deadLettered = 0;
    Map<String, Long> reasons = new TreeMap<>();
    List<String> wrong = new ArrayList<>();
    AvroRecordSerializer<DeadLetter> flinkSerializer = new AvroRecordSerializer<>(DeadLetter.class);
    DeadLetterSerializationSchema dlqSchema = new DeadLetterSerializationSchema(TOPIC + "-dlq");

    try (OneInputStreamOperatorTestHarness<IngestRecord, IngestedEvent> harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(
                new IngestFunction(
                    new EventGate(
                        EventPolicy.builder()
                            .optMaxLatenessMs(DAY)
                            .optMaxFutureMs(DAY)
                            .build()))))) {
      harness.setup(IngestedEventSerializer.TYPE_INFO.createSerializer(new SerializerConfigImpl()));
      harness.open();
      harness.setProcessingTime(ForgedRecords.BASE_TIME_MS);
      long offset = 0;
      for (Forged f : new ForgedRecords(RECORDS, SEED, 1)) {
        byOffset.put(offset, f);
        source.deserialize(
            new ConsumerRecord<>(
                TOPIC,
                0,
                offset++,
                ForgedRecords.BASE_TIME_MS,
                TimestampType.CREATE_TIME,
                f.key() == null ? -1 : f.key().length,
                f.value() == null ? -1 : f.value().length,
                f.key(),
                f.value(),
                new RecordHeaders(),
                java.util.Optional.empty()),
            collector);
        for (IngestRecord r : decoded) {
          harness.processElement(new StreamRecord<>(r, ForgedRecords.BASE_TIME_MS));
        }
        decoded.clear();
        // Check and drop this record's outputs, so that a long run holds one record's worth.
        List<IngestedEvent> out = harness.extractOutputValues();
        for (IngestedEvent e : out) {
          accepted++;
          if (!f.allows(ForgedRecords.ACCEPTED)) {
            wrong.add(f + " accepted as " + e.event());
          }
        }
        Queue<StreamRecord<DeadLetter>> letters =
            harness.getSideOutput(IngestFunction.DEAD_LETTERS);
        for (StreamRecord<DeadLetter> r :
            letters == null ? List.<StreamRecord<DeadLetter>>of() : letters) {
          deadLettered++;
          DeadLetter letter = r.getValue();
          String code = letter.getReasonCode();
          reasons.merge(f.kind() + " " + code, 1L, Long::sum);
          if (!allowedInJob(f, code) || letter.getReason().isBlank()) {
            wrong.add(f + " dead-lettered as " + code + ": " + letter.getReason());
          }
          checkTravels(letter, flinkSerializer, dlqSchema, wrong, f);
        }
        if (f.mustBeAccepted() && f.kind() != Kind.FAR_FUTURE && out.isEmpty()) {
          wrong.add(f + " was not accepted");
        }
        harness.getOutput().clear();
        if (letters != null) {
          letters.clear();
        }
        if (wrong.size() > 20) {
          break;
        }
      }
    }
    System.out.printf(
        "ingest fuzz: %,d forged records, %,d accepted, %,d dead-lettered%n",
        RECORDS, accepted, deadLettered);
    reasons.forEach((k, n) -> System.out.printf("  %-40s %,d%n", k, n));

    assertThat(wrong).isEmpty();
    assertThat(accepted + deadLettered).isEqualTo(RECORDS);
  }

  /**
   * Whether the job may dead-letter {@code f} with {@code code}: what its kind allows, and the time
   * gate's codes where decoding and validation alone may accept it (a record from the year 3000
   * must be refused as FUTURE_EVENT; a bit flip may land in a time far ahead).
   */
  private static boolean allowedInJob(Forged f, String code) {
    if (f.kind() == Kind.FAR_FUTURE) {
      return code.equals(Violation.FUTURE_EVENT);
    }
    boolean timeGate = code.equals(Violation.FUTURE_EVENT) || code.equals(Violation.LATE_EVENT);
    return f.allows(code) || (timeGate && f.allows(ForgedRecords.ACCEPTED) && !f.mustBeAccepted());
  }

  /** The dead letter survives Flink's serializer and the DLQ sink, and fits a default topic. */
  private static void checkTravels(
      DeadLetter letter,
      AvroRecordSerializer<DeadLetter> flinkSerializer,
      DeadLetterSerializationSchema dlqSchema,
      List<String> wrong,
      Forged f)
      throws java.io.IOException {
    DataOutputSerializer out = new DataOutputSerializer(1024);
    flinkSerializer.serialize(letter, out);
    DeadLetter back =
        flinkSerializer.deserialize(
            new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
    ProducerRecord<byte[], byte[]> produced = dlqSchema.serialize(back, null, null);
    int size = produced.value().length + (produced.key() == null ? 0 : produced.key().length);
    if (!back.equals(letter)
        || size >= (1 << 20)
        || !Codecs.DEAD_LETTER.decode(produced.value()).equals(letter)) {
      wrong.add(f + " dead letter does not travel (" + size + " bytes)");
    }
  }
}
