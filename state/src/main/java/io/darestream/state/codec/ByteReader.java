package io.darestream.state.codec;

/**
 * Reads what {@link ByteWriter} wrote, with bounds checks that turn truncated or garbled input into
 * a {@link CorruptDataException} instead of an arbitrary runtime error.
 */
public final class ByteReader {
  private final byte[] buf;
  private final int end;
  private int pos;

  public ByteReader(byte[] buf) {
    this(buf, 0, buf.length);
  }

  public ByteReader(byte[] buf, int off, int len) {
    if (off < 0 || len < 0 || off + len > buf.length) {
      throw new IllegalArgumentException("bad range " + off + "+" + len + " of " + buf.length);
    }
    this.buf = buf;
    this.pos = off;
    this.end = off + len;
  }

  public int position() {
    return pos;
  }

  public int remaining() {
    return end - pos;
  }

  public byte[] buffer() {
    return buf;
  }

  public int readByte() {
    require(1);
    return buf[pos++] & 0xFF;
  }

  public long readUVarint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      require(1);
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new CorruptDataException("varint longer than 10 bytes at " + pos);
  }

  /** Reads an unsigned varint that must fit in {@code [0, max]}. */
  public int readUVarintInt(int max, String what) {
    long v = readUVarint();
    if (v < 0 || v > max) {
      throw new CorruptDataException(what + " out of range: " + v + " (max " + max + ")");
    }
    return (int) v;
  }

  public long readZigZag() {
    long v = readUVarint();
    return (v >>> 1) ^ -(v & 1);
  }

  public long readLong() {
    require(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[pos++] & 0xFF);
    }
    return v;
  }

  public void skip(int n) {
    require(n);
    pos += n;
  }

  private void require(int n) {
    if (n < 0 || pos + n > end) {
      throw new CorruptDataException("truncated: need " + n + " bytes at " + pos + ", end " + end);
    }
  }
}
