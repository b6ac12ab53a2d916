package io.darestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.serde.DecodeException.Reason;
import io.darestream.schemas.testing.AvroBytes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.RandomData;
import org.junit.jupiter.api.Test;

/**
 * The scan against Avro's own encoders: every value Avro writes, plain or in blocks, passes and is
 * consumed exactly; cut short it fails with a reason. Plus nesting, which no project schema has.
 */
class BoundedAvroScanTest {
  /** Every Avro type, nested: arrays of records, maps of unions, fixed, enums, and recursion. */
  private static final Schema EVERY_TYPE =
      new Schema.Parser()
          .parse(
              """
              {"type": "record", "name": "All", "fields": [
                {"name": "n", "type": "null"},
                {"name": "b", "type": "boolean"},
                {"name": "i", "type": "int"},
                {"name": "l", "type": "long"},
                {"name": "f", "type": "float"},
                {"name": "d", "type": "double"},
                {"name": "s", "type": "string"},
                {"name": "y", "type": "bytes"},
                {"name": "x", "type": {"type": "fixed", "name": "F", "size": 3}},
                {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}},
                {"name": "a", "type": {"type": "array", "items": {"type": "record", "name": "R",
                  "fields": [{"name": "id", "type": "long"}, {"name": "v", "type": "bytes"}]}}},
                {"name": "m", "type": {"type": "map", "values": ["null", "string", "R"]}},
                {"name": "nulls", "type": {"type": "array", "items": "null"}},
                {"name": "next", "type": ["null", "All"]}
              ]}
              """);

  private static final DecodeLimits WIDE = new DecodeLimits(1 << 20, 1 << 20, 1 << 16, 64);

  private static byte[] encode(Object datum, boolean blocked) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // A tiny block size makes the blocking encoder split arrays and maps into sized blocks.
    Encoder encoder =
        blocked
            ? new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null)
            : EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<>(EVERY_TYPE).write(datum, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  @Test
  void everyValueAvroWritesPassesPlainAndBlockedAndEveryTruncationFails() throws IOException {
    BoundedAvroScan scan = new BoundedAvroScan(WIDE);
    int blockedWithSizes = 0;
    for (Object datum : new RandomData(EVERY_TYPE, 150, 42L)) {
      for (boolean blocked : new boolean[] {false, true}) {
        byte[] bytes = encode(datum, blocked);
        assertThatNoException().as("%s", datum).isThrownBy(() -> scan.check(EVERY_TYPE, bytes, 0));
        for (int n = 0; n < bytes.length; n += Math.max(1, bytes.length / 40)) {
          byte[] cut = Arrays.copyOf(bytes, n);
          assertThatThrownBy(() -> scan.check(EVERY_TYPE, cut, 0))
              .isInstanceOfSatisfying(
                  DecodeException.class,
                  e -> assertThat(e.reason()).isIn(Reason.BAD_LENGTH, Reason.DECODE_FAILED));
        }
        if (blocked && !Arrays.equals(bytes, encode(datum, false))) {
          blockedWithSizes++;
        }
      }
    }
    assertThat(blockedWithSizes).as("values written in sized blocks").isGreaterThan(25);
  }

  @Test
  void nestingDeeperThanTheLimitIsRefused() {
    Schema node =
        new Schema.Parser()
            .parse(
                """
                {"type": "record", "name": "Node",
                 "fields": [{"name": "next", "type": ["null", "Node"]}]}
                """);
    byte[] deep = new byte[1_000];
    Arrays.fill(deep, (byte) 2); // union branch 1 (Node), again and again
    byte[] bytes = AvroBytes.concat(deep, new byte[] {0});

    assertThatThrownBy(() -> new BoundedAvroScan(WIDE).check(node, bytes, 0))
        .isInstanceOfSatisfying(
            DecodeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_LENGTH))
        .hasMessageContaining("deeper than 64 levels");
    byte[] shallow = AvroBytes.concat(Arrays.copyOf(deep, 20), new byte[] {0});
    assertThatNoException().isThrownBy(() -> new BoundedAvroScan(WIDE).check(node, shallow, 0));
  }

  @Test
  void anArrayOfEmptyItemsIsBoundedByTheItemLimit() {
    // Items of type null take no bytes, so only the item limit stops a count of a billion.
    Schema nulls = new Schema.Parser().parse("{\"type\": \"array\", \"items\": \"null\"}");
    byte[] bytes = AvroBytes.concat(AvroBytes.varLong(1_000_000_000L), AvroBytes.varLong(0));

    assertThatThrownBy(() -> new BoundedAvroScan(WIDE).check(nulls, bytes, 0))
        .isInstanceOfSatisfying(
            DecodeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_LENGTH))
        .hasMessageContaining("claims 1000000000 more items after 0, at most 65536");
  }

  @Test
  void mapItemsCountTheirKeysAndAreLimitedAcrossBlocks() {
    Schema map = new Schema.Parser().parse("{\"type\": \"map\", \"values\": \"null\"}");
    DecodeLimits fewItems = new DecodeLimits(1 << 20, 1 << 20, 3, 8);
    byte[] twoBlocks =
        AvroBytes.concat(
            AvroBytes.varLong(2),
            AvroBytes.string("a"),
            AvroBytes.string("b"),
            AvroBytes.varLong(2),
            AvroBytes.string("c"),
            AvroBytes.string("d"),
            AvroBytes.varLong(0));

    assertThatThrownBy(() -> new BoundedAvroScan(fewItems).check(map, twoBlocks, 0))
        .isInstanceOfSatisfying(
            DecodeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_LENGTH))
        .hasMessageContaining("map at byte 5 claims 2 more items after 2, at most 3");
    // A key takes at least its length byte: 100 keys cannot fit in 10 bytes.
    byte[] tooMany = AvroBytes.concat(AvroBytes.varLong(100), new byte[10]);
    assertThatThrownBy(() -> new BoundedAvroScan(WIDE).check(map, tooMany, 0))
        .hasMessageContaining("claims 100 items of at least 1 bytes but only 10 bytes are left");
  }
}
