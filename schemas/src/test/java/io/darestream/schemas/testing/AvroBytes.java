package io.darestream.schemas.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds Avro binary by hand, for tests that forge records no encoder would write: a header with
 * any fingerprint, lengths and counts that lie, varints of any value.
 */
public final class AvroBytes {
  private AvroBytes() {}

  /** The single-object header: marker C3 01, then {@code fingerprint} little-endian. */
  public static byte[] header(long fingerprint) {
    byte[] out = new byte[10];
    out[0] = (byte) 0xC3;
    out[1] = 0x01;
    for (int i = 0; i < 8; i++) {
      out[2 + i] = (byte) (fingerprint >>> (8 * i));
    }
    return out;
  }

  /** {@code value} as an Avro int or long: zig-zag, then a little-endian base-128 varint. */
  public static byte[] varLong(long value) {
    long v = (value << 1) ^ (value >> 63);
    ByteArrayOutputStream out = new ByteArrayOutputStream(10);
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  /** An Avro string: its UTF-8 length, then the bytes. */
  public static byte[] string(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  /** An Avro bytes value: its length, then the bytes. */
  public static byte[] bytes(byte[] b) {
    return concat(varLong(b.length), b);
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
