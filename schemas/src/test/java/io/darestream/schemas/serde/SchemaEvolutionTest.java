package io.darestream.schemas.serde;

import static io.darestream.schemas.testing.Events.BEGINNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.testing.Events;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/**
 * A newer producer (v2: an optional {@code device} field and a {@code SHARE} behaviour) and the
 * current reader must understand each other, as long as each knows the other's schema.
 */
class SchemaEvolutionTest {
  private static final Schema V2 = loadV2();

  @Test
  void currentReaderSkipsTheNewOptionalFieldOfAV2Record() throws IOException {
    GenericRecord v2 = v2Record("v2-1", "CLICK", "req-9", "android");
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), V2).encode(v2).array();
    AvroCodec<BehaviorEvent> reader = AvroCodec.withWriterSchemas(BehaviorEvent.class, List.of(V2));

    BehaviorEvent event = reader.decode(bytes);

    assertThat(event.getEventId()).isEqualTo("v2-1");
    assertThat(event.getUserId()).isEqualTo(11L);
    assertThat(event.getItemId()).isEqualTo(2268318L);
    assertThat(event.getCategoryId()).isEqualTo(2520377L);
    assertThat(event.getType()).isEqualTo(BehaviorType.CLICK);
    assertThat(event.getEventTimeMs()).isEqualTo(BEGINNING);
    assertThat(event.getRequestId()).isEqualTo("req-9");
  }

  @Test
  void anUnknownBehaviourSymbolResolvesToUnknown() throws IOException {
    GenericRecord v2 = v2Record("v2-share", "SHARE", null, null);
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), V2).encode(v2).array();

    BehaviorEvent event =
        AvroCodec.withWriterSchemas(BehaviorEvent.class, List.of(V2)).decode(bytes);

    assertThat(event.getType()).isEqualTo(BehaviorType.UNKNOWN);
    assertThat(event.getEventId()).isEqualTo("v2-share");
  }

  @Test
  void v2ReaderReadsCurrentDataWithTheNewFieldAtItsDefault() throws IOException {
    BehaviorEvent current = Events.impression(5, 42, 7, BEGINNING, "req-5");
    byte[] bytes = Codecs.BEHAVIOR_EVENT.encode(current);
    BinaryMessageDecoder<GenericRecord> v2Reader =
        new BinaryMessageDecoder<>(GenericData.get(), V2);
    v2Reader.addSchema(BehaviorEvent.getClassSchema());

    GenericRecord read = v2Reader.decode(bytes);

    assertThat(read.get("device")).isNull();
    assertThat(read.get("user_id")).isEqualTo(5L);
    assertThat(read.get("type").toString()).isEqualTo("IMPRESSION");
    assertThat(read.get("request_id").toString()).isEqualTo("req-5");
  }

  @Test
  void aFingerprintNobodyKnowsIsAnUnknownSchemaWithAClearMessage() throws IOException {
    GenericRecord v2 = v2Record("v2-2", "PV", null, "ios");
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), V2).encode(v2).array();
    String v2Fingerprint = String.format("%016x", SchemaNormalization.parsingFingerprint64(V2));
    String known = String.format("%016x", Codecs.BEHAVIOR_EVENT.fingerprint());

    assertThatThrownBy(() -> Codecs.BEHAVIOR_EVENT.decode(bytes))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.UNKNOWN_SCHEMA))
        .hasMessageContaining("Unknown writer schema fingerprint " + v2Fingerprint)
        .hasMessageContaining("for BehaviorEvent")
        .hasMessageContaining("register the producer's schema")
        .hasMessageContaining("this reader knows " + known);
  }

  @Test
  void aModelDeltaOfTheReleasedV1SchemaIsReadAsWriterZero() throws IOException {
    List<Schema> history = SchemaHistory.forRecord(ModelDelta.getClassSchema().getFullName());
    assertThat(history).hasSize(2);
    Schema v1 = history.get(0);
    // The fingerprint of ModelDelta as released before the writer field (taken from main's
    // build): the history copy must be that schema exactly, or old records stay unreadable.
    assertThat(String.format("%016x", SchemaNormalization.parsingFingerprint64(v1)))
        .isEqualTo("fee8cd486f1639e9");
    GenericRecord row = new GenericData.Record(v1.getField("rows").schema().getElementType());
    row.put("id", 7L);
    row.put("values", ByteBuffer.wrap(new byte[] {0, 0, (byte) 0x80, 0x3f}));
    GenericRecord old = new GenericData.Record(v1);
    old.put("model_id", "m");
    old.put("epoch", 3L);
    old.put("version", 42L);
    old.put("table", "att.item");
    old.put("dim", 1);
    old.put("rows", List.of(row));
    old.put("newest_event_time_ms", BEGINNING);
    old.put("min_ingest_time_ms", -1L);
    old.put("max_ingest_time_ms", -1L);
    old.put("publish_time_ms", BEGINNING);
    old.put("batch_index", 0);
    old.put("batch_count", 1);
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();

    ModelDelta read = Codecs.MODEL_DELTA.decode(bytes);

    assertThat(read.getWriter()).isZero();
    assertThat(read.getVersion()).isEqualTo(42L);
    assertThat(read.getRows()).hasSize(1);
    assertThat(read.getRows().get(0).getId()).isEqualTo(7L);
  }

  @Test
  void aWriterSchemaOfAnotherRecordIsRefused() {
    assertThatThrownBy(
            () ->
                AvroCodec.withWriterSchemas(
                    BehaviorEvent.class,
                    List.of(io.darestream.schemas.avro.DeadLetter.getClassSchema())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a version of io.darestream.schemas.avro.BehaviorEvent");
  }

  private static GenericRecord v2Record(String id, String type, String requestId, String device) {
    GenericRecord r = new GenericData.Record(V2);
    r.put("event_id", id);
    r.put("user_id", 11L);
    r.put("item_id", 2268318L);
    r.put("category_id", 2520377L);
    r.put("type", new GenericData.EnumSymbol(V2.getField("type").schema(), type));
    r.put("event_time_ms", BEGINNING);
    r.put("request_id", requestId);
    r.put("device", device);
    return r;
  }

  private static Schema loadV2() {
    try (InputStream in =
        SchemaEvolutionTest.class.getResourceAsStream("/evolution/BehaviorEvent-v2.avsc")) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aModelDeltaOfTheReleasedV2SchemaIsReadWithoutAcknowledgedWindows() throws IOException {
    Schema v2 = SchemaHistory.forRecord(ModelDelta.getClassSchema().getFullName()).get(1);
    // ModelDelta as released before acknowledged_windows (main's build at 59b49ca).
    assertThat(String.format("%016x", SchemaNormalization.parsingFingerprint64(v2)))
        .isEqualTo("d2c4b0be6b6eb0a8");
    GenericRecord old = new GenericData.Record(v2);
    old.put("model_id", "m");
    old.put("epoch", 3L);
    old.put("version", 42L);
    old.put("table", "att.item");
    old.put("dim", 1);
    old.put("rows", List.of());
    old.put("newest_event_time_ms", BEGINNING);
    old.put("min_ingest_time_ms", -1L);
    old.put("max_ingest_time_ms", -1L);
    old.put("publish_time_ms", BEGINNING);
    old.put("batch_index", 0);
    old.put("batch_count", 1);
    old.put("writer", 2);
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(old).array();

    ModelDelta read = Codecs.MODEL_DELTA.decode(bytes);

    assertThat(read.getWriter()).isEqualTo(2);
    assertThat(read.getAcknowledgedWindows()).isEmpty();
  }
}
