package io.darestream.state.codec;

import java.util.Arrays;

/**
 * A growable byte buffer with varint and zig-zag writers (LEB128, as in protobuf), used by the
 * compact codecs of this module. Not thread-safe.
 */
public final class ByteWriter {
  private byte[] buf;
  private int pos;

  public ByteWriter(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  public int size() {
    return pos;
  }

  public void reset() {
    pos = 0;
  }

  public void writeByte(int b) {
    ensure(1);
    buf[pos++] = (byte) b;
  }

  public void writeBytes(byte[] src, int off, int len) {
    ensure(len);
    System.arraycopy(src, off, buf, pos, len);
    pos += len;
  }

  /** Writes {@code v} as an unsigned LEB128 varint (1 to 10 bytes). */
  public void writeUVarint(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[pos++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
  }

  /** Writes a signed value zig-zag encoded, so small magnitudes of either sign stay short. */
  public void writeZigZag(long v) {
    writeUVarint((v << 1) ^ (v >> 63));
  }

  /** Writes 8 bytes, big-endian. */
  public void writeLong(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[pos++] = (byte) (v >>> shift);
    }
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, pos);
  }

  private void ensure(int extra) {
    if (pos + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + extra));
    }
  }
}
