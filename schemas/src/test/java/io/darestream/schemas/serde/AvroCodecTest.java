package io.darestream.schemas.serde;

import static io.darestream.schemas.testing.Events.BEGINNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.PartitionOffset;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.testing.Events;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AvroCodecTest {
  @Test
  void behaviorEventRoundTripsWithAndWithoutRequestId() {
    BehaviorEvent impression = Events.impression(7, 2268318, 2520377, BEGINNING, "req-1");
    BehaviorEvent click = Events.click(7, 2268318, 2520377, BEGINNING + 1500);

    BehaviorEvent decodedImpression =
        Codecs.BEHAVIOR_EVENT.decode(Codecs.BEHAVIOR_EVENT.encode(impression));
    BehaviorEvent decodedClick = Codecs.BEHAVIOR_EVENT.decode(Codecs.BEHAVIOR_EVENT.encode(click));

    assertThat(decodedImpression).isEqualTo(impression);
    assertThat(decodedImpression.getRequestId()).isEqualTo("req-1");
    assertThat(decodedImpression.getType()).isEqualTo(BehaviorType.IMPRESSION);
    assertThat(decodedClick).isEqualTo(click);
    assertThat(decodedClick.getRequestId()).isNull();
    assertThat(decodedClick.getEventTimeMs()).isEqualTo(BEGINNING + 1500);
  }

  @Test
  void encodingStartsWithMarkerAndFingerprint() {
    byte[] bytes = Codecs.BEHAVIOR_EVENT.encode(Events.click(1, 2, 3, BEGINNING));

    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(fingerprint).isEqualTo(Codecs.BEHAVIOR_EVENT.fingerprint());
    assertThat(AvroCodec.fingerprintHex(bytes))
        .isEqualTo(String.format("%016x", Codecs.BEHAVIOR_EVENT.fingerprint()));
  }

  @Test
  void modelDeltaRoundTripsPackedLittleEndianFloats() {
    float[] row = {0.25f, -1.5f, 3.0e-7f, Float.MAX_VALUE};
    ModelDelta delta =
        ModelDelta.newBuilder()
            .setModelId("dare-taobao")
            .setEpoch(3)
            .setVersion(12_345)
            .setTable("att.item")
            .setDim(row.length)
            .setRows(
                List.of(new DeltaRow(2268318L, pack(row)), new DeltaRow(7L, pack(new float[4]))))
            .setNewestEventTimeMs(BEGINNING)
            .setMinIngestTimeMs(BEGINNING + 10)
            .setMaxIngestTimeMs(BEGINNING + 20)
            .setPublishTimeMs(BEGINNING + 30)
            .setBatchIndex(1)
            .setBatchCount(2)
            .build();

    ModelDelta decoded = Codecs.MODEL_DELTA.decode(Codecs.MODEL_DELTA.encode(delta));

    assertThat(decoded).isEqualTo(delta);
    assertThat(decoded.getRows()).hasSize(2);
    assertThat(decoded.getRows().get(0).getId()).isEqualTo(2268318L);
    assertThat(unpack(decoded.getRows().get(0).getValues())).containsExactly(row);
    assertThat(decoded.getBatchIndex()).isEqualTo(1);
    assertThat(decoded.getBatchCount()).isEqualTo(2);
  }

  @Test
  void snapshotAnnouncementRoundTripsWithOffsets() {
    SnapshotAnnouncement announcement =
        SnapshotAnnouncement.newBuilder()
            .setModelId("dare-taobao")
            .setEpoch(2)
            .setVersion(900)
            .setCheckpointId(17)
            .setLocation("/var/dare/snapshots/chk-17")
            .setManifestSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
            .setDeltaOffsets(
                List.of(
                    new PartitionOffset("model-deltas", 0, 41L),
                    new PartitionOffset("model-deltas", 1, 40L)))
            .setCreatedTimeMs(BEGINNING)
            .build();

    SnapshotAnnouncement decoded =
        Codecs.SNAPSHOT_ANNOUNCEMENT.decode(Codecs.SNAPSHOT_ANNOUNCEMENT.encode(announcement));

    assertThat(decoded).isEqualTo(announcement);
    assertThat(decoded.getDeltaOffsets().get(1).getOffset()).isEqualTo(40L);
  }

  @Test
  void deadLetterRoundTripsRawBytes() {
    byte[] raw = {1, 2, 3, (byte) 0xC3};
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setRawKey(ByteBuffer.wrap("42".getBytes()))
            .setRawValue(ByteBuffer.wrap(raw))
            .setSourceTopic("behavior-events")
            .setSourcePartition(3)
            .setSourceOffset(1_000_000L)
            .setReasonCode("BAD_HEADER")
            .setReason("Not Avro single-object encoded")
            .setRecordTimeMs(BEGINNING)
            .setDeadLetterTimeMs(BEGINNING + 5)
            .build();

    DeadLetter decoded = Codecs.DEAD_LETTER.decode(Codecs.DEAD_LETTER.encode(letter));

    assertThat(decoded).isEqualTo(letter);
    assertThat(bytes(decoded.getRawValue())).containsExactly(raw);
    assertThat(decoded.getSourceOffset()).isEqualTo(1_000_000L);
  }

  @Test
  void emptyPayloadIsReportedAsEmpty() {
    assertThatThrownBy(() -> Codecs.BEHAVIOR_EVENT.decode(new byte[0]))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.EMPTY));
    assertThatThrownBy(() -> Codecs.BEHAVIOR_EVENT.decode(null))
        .isInstanceOf(DecodeException.class)
        .hasMessageContaining("Empty payload");
  }

  @Test
  void payloadWithoutMarkerIsBadHeader() {
    byte[] json = "{\"user_id\":1}".getBytes();

    assertThatThrownBy(() -> Codecs.BEHAVIOR_EVENT.decode(json))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.BAD_HEADER))
        .hasMessageContaining("expected marker C3 01")
        .hasMessageContaining("starting 7B227573");
  }

  @Test
  void headerShorterThanFingerprintIsBadHeader() {
    assertThatThrownBy(() -> Codecs.BEHAVIOR_EVENT.decode(new byte[] {(byte) 0xC3, 0x01, 5}))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.BAD_HEADER))
        .hasMessageContaining("got 3 bytes");
  }

  @Test
  void truncatedBodyFailsToDecode() {
    byte[] bytes = Codecs.BEHAVIOR_EVENT.encode(Events.click(1, 2, 3, BEGINNING));
    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 4);

    assertThatThrownBy(() -> Codecs.BEHAVIOR_EVENT.decode(truncated))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.DECODE_FAILED))
        .hasMessageContaining("Cannot decode BehaviorEvent written with schema")
        .hasMessageContaining(String.format("%016x", Codecs.BEHAVIOR_EVENT.fingerprint()));
  }

  @Test
  void aRecordOfAnotherTypeIsAnUnknownSchema() {
    byte[] delta =
        Codecs.DEAD_LETTER.encode(
            DeadLetter.newBuilder()
                .setSourceTopic("t")
                .setSourcePartition(0)
                .setSourceOffset(0)
                .setReasonCode("X")
                .setReason("x")
                .setDeadLetterTimeMs(BEGINNING)
                .build());

    assertThatThrownBy(() -> Codecs.BEHAVIOR_EVENT.decode(delta))
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.UNKNOWN_SCHEMA));
  }

  private static ByteBuffer pack(float[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buffer.putFloat(v);
    }
    return buffer.flip();
  }

  private static float[] unpack(ByteBuffer bytes) {
    ByteBuffer le = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[le.remaining() / 4];
    for (int i = 0; i < values.length; i++) {
      values[i] = le.getFloat();
    }
    return values;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }
}
