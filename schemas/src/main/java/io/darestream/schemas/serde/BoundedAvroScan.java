package io.darestream.schemas.serde;

import io.darestream.schemas.serde.DecodeException.Reason;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Walks a binary Avro body against its writer schema without building anything, and refuses it if
 * any length it claims does not fit: a string or bytes length beyond the bytes left or {@link
 * DecodeLimits#maxStringBytes}, an array or map item count beyond {@link DecodeLimits#maxItems} or
 * beyond what the bytes left could hold, a block byte size that is not the size of its items,
 * nesting beyond {@link DecodeLimits#maxDepth}, an enum or union index out of range, a malformed
 * varint, a body that ends early or has bytes after the record.
 *
 * <p>Why: Avro allocates what a record claims before it reads it (a 15-byte record claiming a 2 GB
 * string made it allocate 2 GB; STACK.md), and its own limits are JVM-wide system properties read
 * once. A body that passes this scan is decoded by Avro reading exactly the bytes scanned, so
 * decoding allocates at most a small multiple of the record's own size. The scan costs one pass
 * over the varints; strings and bytes are skipped, not read.
 *
 * <p>Thread-safe: the only state is a cache of minimum encoded sizes per schema.
 */
final class BoundedAvroScan {
  private final DecodeLimits limits;
  // Minimum encoded size of an array's or map's item, per item schema: a count claiming more items
  // than the remaining bytes could hold is refused before any item is walked.
  private final Map<Schema, Long> minItemSizes = new ConcurrentHashMap<>();

  BoundedAvroScan(DecodeLimits limits) {
    this.limits = limits;
  }

  /**
   * Checks that {@code bytes} from {@code offset} to the end hold exactly one value of {@code
   * writer}.
   *
   * @throws DecodeException ({@link Reason#BAD_LENGTH} or {@link Reason#DECODE_FAILED}) saying what
   *     is wrong and at which byte
   */
  void check(Schema writer, byte[] bytes, int offset) {
    Cursor in = new Cursor(bytes, offset);
    value(writer, in, 1);
    if (in.pos != bytes.length) {
      throw new DecodeException(
          Reason.DECODE_FAILED,
          (bytes.length - in.pos) + " bytes follow the end of the record at byte " + in.pos);
    }
  }

  private void value(Schema s, Cursor in, int depth) {
    switch (s.getType()) {
      case NULL -> {}
      case BOOLEAN -> in.skipFixed(1, "a boolean");
      case INT -> in.readInt();
      case LONG -> in.readLong();
      case FLOAT -> in.skipFixed(4, "a float");
      case DOUBLE -> in.skipFixed(8, "a double");
      case FIXED -> in.skipFixed(s.getFixedSize(), "fixed " + s.getName());
      case STRING, BYTES -> skipLengthPrefixed(in, s.getType() == Schema.Type.STRING);
      case ENUM -> {
        int start = in.pos;
        int index = in.readInt();
        if (index < 0 || index >= s.getEnumSymbols().size()) {
          throw new DecodeException(
              Reason.DECODE_FAILED,
              String.format(
                  "enum %s index %d at byte %d is not one of its %d symbols",
                  s.getName(), index, start, s.getEnumSymbols().size()));
        }
      }
      case UNION -> {
        checkDepth(depth, in);
        int start = in.pos;
        int index = in.readInt();
        if (index < 0 || index >= s.getTypes().size()) {
          throw new DecodeException(
              Reason.DECODE_FAILED,
              String.format(
                  "union branch %d at byte %d is not one of its %d branches",
                  index, start, s.getTypes().size()));
        }
        value(s.getTypes().get(index), in, depth + 1);
      }
      case RECORD -> {
        checkDepth(depth, in);
        for (Schema.Field f : s.getFields()) {
          value(f.schema(), in, depth + 1);
        }
      }
      case ARRAY -> {
        checkDepth(depth, in);
        items(s.getElementType(), false, in, depth + 1);
      }
      case MAP -> {
        checkDepth(depth, in);
        items(s.getValueType(), true, in, depth + 1);
      }
      default -> throw new DecodeException(Reason.DECODE_FAILED, "unsupported type " + s);
    }
  }

  private void skipLengthPrefixed(Cursor in, boolean string) {
    int start = in.pos;
    long length = in.readLong();
    String what = string ? "string" : "bytes";
    if (length < 0) {
      throw badLength(
          String.format("%s at byte %d claims a negative length %d", what, start, length));
    }
    if (length > limits.maxStringBytes()) {
      throw badLength(
          String.format(
              "%s at byte %d claims %d bytes, at most %d accepted",
              what, start, length, limits.maxStringBytes()));
    }
    if (length > in.remaining()) {
      throw badLength(
          String.format(
              "%s at byte %d claims %d bytes but only %d are left",
              what, start, length, in.remaining()));
    }
    in.pos += (int) length;
  }

  /** Array or map blocks: a count, for a negative count also the block's byte size, the items. */
  private void items(Schema item, boolean map, Cursor in, int depth) {
    long min = minItemSize(item) + (map ? 1 : 0); // a map key is a string: at least its length
    long total = 0;
    while (true) {
      int start = in.pos;
      long count = in.readLong();
      if (count == 0) {
        return;
      }
      long blockBytes = -1;
      if (count < 0) {
        if (count == Long.MIN_VALUE) {
          throw badLength("block at byte " + start + " claims " + count + " items");
        }
        count = -count;
        blockBytes = in.readLong();
        if (blockBytes < 0 || blockBytes > in.remaining()) {
          throw badLength(
              String.format(
                  "block at byte %d claims %d bytes but %d are left",
                  start, blockBytes, in.remaining()));
        }
      }
      if (count > limits.maxItems() - total) {
        throw badLength(
            String.format(
                "%s at byte %d claims %d more items after %d, at most %d accepted",
                map ? "map" : "array", start, count, total, limits.maxItems()));
      }
      if (min > 0 && count > in.remaining() / min) {
        throw badLength(
            String.format(
                "%s at byte %d claims %d items of at least %d bytes but only %d bytes are left",
                map ? "map" : "array", start, count, min, in.remaining()));
      }
      total += count;
      int itemsStart = in.pos;
      for (long i = 0; i < count; i++) {
        if (map) {
          skipLengthPrefixed(in, true);
        }
        value(item, in, depth);
      }
      // Avro skips a block it does not read by this size: it must be the items' true size, or a
      // reader would resume at bytes this scan never checked.
      if (blockBytes >= 0 && in.pos - itemsStart != blockBytes) {
        throw badLength(
            String.format(
                "block at byte %d claims %d bytes but its items take %d",
                start, blockBytes, in.pos - itemsStart));
      }
    }
  }

  private void checkDepth(int depth, Cursor in) {
    if (depth > limits.maxDepth()) {
      throw badLength(
          "nesting at byte " + in.pos + " is deeper than " + limits.maxDepth() + " levels");
    }
  }

  private long minItemSize(Schema item) {
    Long cached = minItemSizes.get(item);
    if (cached == null) {
      cached = minSize(item, new IdentityHashMap<>());
      minItemSizes.put(item, cached);
    }
    return cached;
  }

  /** The fewest bytes a value of {@code s} encodes to; 0 for a schema that recurses into itself. */
  private static long minSize(Schema s, Map<Schema, Boolean> visiting) {
    return switch (s.getType()) {
      case NULL -> 0;
      case FLOAT -> 4;
      case DOUBLE -> 8;
      case FIXED -> s.getFixedSize();
      case RECORD -> {
        if (visiting.put(s, Boolean.TRUE) != null) {
          yield 0;
        }
        long sum = 0;
        for (Schema.Field f : s.getFields()) {
          sum = Math.min(Integer.MAX_VALUE, sum + minSize(f.schema(), visiting));
        }
        visiting.remove(s);
        yield sum;
      }
      // One varint at least: a length, an item count, an index, or the value itself.
      default -> 1;
    };
  }

  private static DecodeException badLength(String message) {
    return new DecodeException(Reason.BAD_LENGTH, message);
  }

  /** A position in the body; reads varints as Avro does (zig-zag, 5 bytes for int, 10 for long). */
  private static final class Cursor {
    private final byte[] bytes;
    private int pos;

    Cursor(byte[] bytes, int pos) {
      this.bytes = bytes;
      this.pos = pos;
    }

    int remaining() {
      return bytes.length - pos;
    }

    void skipFixed(long n, String what) {
      if (n > remaining()) {
        throw truncated(what);
      }
      pos += (int) n;
    }

    int readInt() {
      // Int arithmetic on purpose: bits past 32 of a 5-byte varint are dropped exactly as Avro's
      // readInt drops them, so an enum or union index means here what it means to Avro.
      long raw = readVarint(5, "an int");
      int n = (int) raw;
      return (n >>> 1) ^ -(n & 1);
    }

    long readLong() {
      long raw = readVarint(10, "a long");
      return (raw >>> 1) ^ -(raw & 1);
    }

    /** The raw (not zig-zag decoded) varint; bits past 64 are dropped, as Avro drops them. */
    private long readVarint(int maxBytes, String what) {
      int start = pos;
      long raw = 0;
      for (int i = 0; i < maxBytes; i++) {
        if (pos >= bytes.length) {
          pos = start;
          throw truncated(what);
        }
        int b = bytes[pos++] & 0xFF;
        raw |= (long) (b & 0x7F) << (7 * i);
        if (b < 0x80) {
          return raw;
        }
      }
      throw new DecodeException(
          Reason.DECODE_FAILED,
          "varint at byte " + start + " is longer than " + maxBytes + " bytes (" + what + ")");
    }

    private DecodeException truncated(String what) {
      return new DecodeException(
          Reason.DECODE_FAILED,
          "the record ends at byte " + bytes.length + " inside " + what + " at byte " + pos);
    }
  }
}
