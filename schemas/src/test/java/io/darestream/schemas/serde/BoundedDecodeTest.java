package io.darestream.schemas.serde;

import static io.darestream.schemas.testing.Events.BEGINNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.DecodeException.Reason;
import io.darestream.schemas.testing.AvroBytes;
import io.darestream.schemas.testing.Events;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Forged records that claim more than they hold are refused before anything is allocated, with a
 * reason; the limits of {@link DecodeLimits} hold; every valid record still decodes.
 */
class BoundedDecodeTest {
  private static final long TWO_GB = 2_000_000_000L;

  /** Bytes allocated by the calling thread so far (HotSpot's per-thread counter). */
  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static void assertRefused(ThrowingCallable decode, Reason reason, String message) {
    assertThatThrownBy(decode)
        .isInstanceOfSatisfying(
            DecodeException.class, e -> assertThat(e.reason()).isEqualTo(reason))
        .hasMessageContaining(message);
  }

  @Test
  void theNineteenBytePoisonPillIsRefusedWithoutAllocatingWhatItClaims() {
    // A valid header and fingerprint, then event_id's length claiming ~2 GB, then 4 stray bytes.
    byte[] pill =
        AvroBytes.concat(
            AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()),
            AvroBytes.varLong(TWO_GB),
            new byte[] {1, 2, 3, 4});
    assertThat(pill).hasSize(19);

    long before = allocatedBytes();
    for (int i = 0; i < 1_000; i++) {
      assertRefused(
          () -> Codecs.BEHAVIOR_EVENT.decode(pill),
          Reason.BAD_LENGTH,
          "string at byte 10 claims 2000000000 bytes");
    }
    // Before the scan each of these allocated the claimed 2 GB (or ran out of memory).
    assertThat(allocatedBytes() - before).isLessThan(64L << 20);
  }

  @Test
  void aClaimBeyondTheBytesPresentIsRefusedEvenWithinTheLimit() {
    byte[] bytes =
        AvroBytes.concat(
            AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()),
            AvroBytes.varLong(1_000),
            "abcd".getBytes());

    assertRefused(
        () -> Codecs.BEHAVIOR_EVENT.decode(bytes),
        Reason.BAD_LENGTH,
        "claims 1000 bytes but only 4 are left");
  }

  @Test
  void aNegativeLengthIsRefused() {
    byte[] bytes =
        AvroBytes.concat(
            AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()), AvroBytes.varLong(-3));

    assertRefused(
        () -> Codecs.BEHAVIOR_EVENT.decode(bytes), Reason.BAD_LENGTH, "negative length -3");
  }

  @Test
  void aRecordOverTheSizeLimitIsTooLargeBeforeItsBodyIsRead() {
    BehaviorEvent e = Events.click(1, 2, 3, BEGINNING);
    e.setRequestId("r".repeat(Codecs.EVENT_LIMITS.maxRecordBytes()));
    byte[] bytes = Codecs.BEHAVIOR_EVENT.encode(e);

    assertRefused(
        () -> Codecs.BEHAVIOR_EVENT.decode(bytes),
        Reason.TOO_LARGE,
        "BehaviorEvent record of " + bytes.length + " bytes is larger than the 65536 bytes");
  }

  @Test
  void aStringOverTheStringLimitIsRefusedThoughTheRecordHoldsIt() {
    AvroCodec<BehaviorEvent> codec =
        AvroCodec.of(BehaviorEvent.class, new DecodeLimits(1 << 20, 100, 16, 8));
    byte[] bytes =
        codec.encode(Events.event("x".repeat(101), 1, 2, 3, BehaviorType.CLICK, BEGINNING, null));

    assertRefused(() -> codec.decode(bytes), Reason.BAD_LENGTH, "claims 101 bytes, at most 100");
  }

  @Test
  void anArrayClaimingAMillionRowsInAFewBytesIsRefused() {
    byte[] bytes =
        AvroBytes.concat(
            deltaHead(),
            AvroBytes.varLong(1_000_000), // rows: block count
            new byte[64]);

    assertRefused(
        () -> Codecs.MODEL_DELTA.decode(bytes),
        Reason.BAD_LENGTH,
        "array at byte 24 claims 1000000 more items after 0, at most 65536");
  }

  @Test
  void anArrayClaimingMoreItemsThanItsBytesCouldHoldIsRefused() {
    byte[] bytes =
        AvroBytes.concat(
            deltaHead(),
            AvroBytes.varLong(60_000), // within the item limit, but a row takes at least 2 bytes
            new byte[64]);

    assertRefused(
        () -> Codecs.MODEL_DELTA.decode(bytes),
        Reason.BAD_LENGTH,
        "claims 60000 items of at least 2 bytes but only 64 bytes are left");
  }

  @Test
  void aBlockWhoseByteSizeIsNotItsItemsSizeIsRefused() {
    // Blocked encoding: a negative count, then the block's byte size. Avro skips unread blocks by
    // that size, so a size that lies would let a reader resume at unchecked bytes.
    byte[] row = AvroBytes.concat(AvroBytes.varLong(7), AvroBytes.bytes(new byte[16]));
    byte[] delta =
        AvroBytes.concat(
            deltaHead(),
            AvroBytes.varLong(-1),
            AvroBytes.varLong(row.length - 1), // the lie
            row,
            AvroBytes.varLong(0),
            tail());

    assertRefused(
        () -> Codecs.MODEL_DELTA.decode(delta),
        Reason.BAD_LENGTH,
        "claims " + (row.length - 1) + " bytes but its items take " + row.length);
  }

  @Test
  void aBlockedArrayWithTheRightByteSizeDecodes() {
    byte[] row = AvroBytes.concat(AvroBytes.varLong(7), AvroBytes.bytes(new byte[16]));
    byte[] delta =
        AvroBytes.concat(
            deltaHead(),
            AvroBytes.varLong(-1),
            AvroBytes.varLong(row.length),
            row,
            AvroBytes.varLong(0),
            tail());

    ModelDelta decoded = Codecs.MODEL_DELTA.decode(delta);
    assertThat(decoded.getRows()).containsExactly(new DeltaRow(7L, ByteBuffer.wrap(new byte[16])));
  }

  /** The fields of a ModelDelta before its rows: model id, epoch 1, version 2, table, dim 4. */
  private static byte[] deltaHead() {
    return AvroBytes.concat(
        AvroBytes.header(Codecs.MODEL_DELTA.fingerprint()),
        AvroBytes.string("m"),
        AvroBytes.varLong(1),
        AvroBytes.varLong(2),
        AvroBytes.string("att.item"),
        AvroBytes.varLong(4));
  }

  /**
   * The fields of a ModelDelta after its rows: event time, ingest times, publish time, batch,
   * writer.
   */
  private static byte[] tail() {
    return AvroBytes.concat(
        AvroBytes.varLong(BEGINNING),
        AvroBytes.varLong(-1),
        AvroBytes.varLong(-1),
        AvroBytes.varLong(BEGINNING),
        AvroBytes.varLong(0),
        AvroBytes.varLong(1),
        AvroBytes.varLong(0),
        AvroBytes.varLong(0)); // acknowledged_windows: an empty array
  }

  @Test
  void anEnumIndexOutOfRangeIsRefusedWithItsPosition() {
    byte[] bytes =
        AvroBytes.concat(
            AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint()),
            AvroBytes.string("e-1"),
            AvroBytes.varLong(1),
            AvroBytes.varLong(2),
            AvroBytes.varLong(3),
            AvroBytes.varLong(42), // type
            AvroBytes.varLong(BEGINNING),
            AvroBytes.varLong(0));

    assertRefused(
        () -> Codecs.BEHAVIOR_EVENT.decode(bytes),
        Reason.DECODE_FAILED,
        "enum BehaviorType index 42 at byte 17 is not one of its 7 symbols");
  }

  @Test
  void aUnionBranchOutOfRangeIsRefused() {
    byte[] good = Codecs.BEHAVIOR_EVENT.encode(Events.click(1, 2, 3, BEGINNING));
    byte[] bytes = good.clone();
    bytes[bytes.length - 1] = 4; // request_id's branch: zig-zag 2, of ["null", "string"]

    assertRefused(
        () -> Codecs.BEHAVIOR_EVENT.decode(bytes),
        Reason.DECODE_FAILED,
        "union branch 2 at byte " + (bytes.length - 1) + " is not one of its 2 branches");
  }

  @Test
  void anOverlongVarintIsRefused() {
    byte[] bytes = AvroBytes.header(Codecs.BEHAVIOR_EVENT.fingerprint());
    byte[] overlong = new byte[11];
    Arrays.fill(overlong, (byte) 0xFF);
    byte[] forged = AvroBytes.concat(bytes, overlong);

    assertRefused(
        () -> Codecs.BEHAVIOR_EVENT.decode(forged),
        Reason.DECODE_FAILED,
        "varint at byte 10 is longer than 10 bytes");
  }

  @Test
  void bytesAfterTheRecordAreRefused() {
    byte[] good = Codecs.BEHAVIOR_EVENT.encode(Events.click(1, 2, 3, BEGINNING));
    byte[] longer = AvroBytes.concat(good, new byte[] {0, 0});

    assertRefused(
        () -> Codecs.BEHAVIOR_EVENT.decode(longer),
        Reason.DECODE_FAILED,
        "2 bytes follow the end of the record at byte " + good.length);
  }

  @Test
  void anUnknownFingerprintIsAnUnknownSchemaBeforeTheBodyIsLookedAt() {
    byte[] bytes = AvroBytes.concat(AvroBytes.header(0x1234L), AvroBytes.varLong(TWO_GB));

    assertRefused(
        () -> Codecs.BEHAVIOR_EVENT.decode(bytes),
        Reason.UNKNOWN_SCHEMA,
        "Unknown writer schema fingerprint 0000000000001234");
  }

  @Test
  void everyTruncationOfAValidRecordIsRefusedWithAReason() {
    List<byte[]> valid = new ArrayList<>();
    valid.add(Codecs.BEHAVIOR_EVENT.encode(Events.impression(1, 2, 3, BEGINNING, "req-7")));
    valid.add(
        Codecs.MODEL_DELTA.encode(
            ModelDelta.newBuilder()
                .setModelId("m")
                .setEpoch(1)
                .setVersion(2)
                .setTable("att.item")
                .setDim(2)
                .setRows(
                    List.of(
                        new DeltaRow(1L, ByteBuffer.wrap(new byte[8])),
                        new DeltaRow(2L, ByteBuffer.wrap(new byte[0]))))
                .setNewestEventTimeMs(BEGINNING)
                .setPublishTimeMs(BEGINNING)
                .build()));

    for (byte[] bytes : valid) {
      AvroCodec<?> codec = bytes == valid.get(0) ? Codecs.BEHAVIOR_EVENT : Codecs.MODEL_DELTA;
      for (int n = AvroCodec.HEADER_LENGTH; n < bytes.length; n++) {
        byte[] cut = Arrays.copyOf(bytes, n);
        assertThatThrownBy(() -> codec.decode(cut))
            .as("cut at %d", n)
            .isInstanceOfSatisfying(
                DecodeException.class,
                e -> assertThat(e.reason()).isIn(Reason.BAD_LENGTH, Reason.DECODE_FAILED));
      }
    }
  }
}
