package io.darestream.state.sequence;

import io.darestream.state.codec.ByteReader;
import io.darestream.state.codec.ByteWriter;
import io.darestream.state.codec.CorruptDataException;

/**
 * Byte form of a {@link BehaviorSequence}, Flink-free so that the stream job can wrap it in its own
 * {@code TypeSerializer}.
 *
 * <pre>
 * magic 0xDA 0x51, version 1
 * uvarint maxLength, uvarint maxOutOfOrderMs, uvarint dedupWindow      (the limits)
 * uvarint blockSize, uvarint phase (= dropped mod blockSize), uvarint size
 * uvarint dedupCount, dedupCount x int64 event-id hash (oldest first)
 * per block: uvarint byteLength, block bytes (see BehaviorBuffer)
 * </pre>
 */
public final class SequenceCodec {
  static final int MAGIC0 = 0xDA;
  static final int MAGIC1 = 0x51;

  /** Current format version; readers refuse any other. */
  public static final int VERSION = 1;

  private SequenceCodec() {}

  public static byte[] serialize(BehaviorSequence seq) {
    ByteWriter out = new ByteWriter(16 + seq.size() * 8 + seq.dedupCount * 8);
    ByteWriter scratch = new ByteWriter(BehaviorSequence.BLOCK_SIZE * 12);
    out.writeByte(MAGIC0);
    out.writeByte(MAGIC1);
    out.writeByte(VERSION);
    SequenceLimits limits = seq.limits();
    out.writeUVarint(limits.maxLength());
    out.writeUVarint(limits.maxOutOfOrderMs());
    out.writeUVarint(limits.dedupWindow());
    out.writeUVarint(BehaviorSequence.BLOCK_SIZE);
    out.writeUVarint(seq.dropped % BehaviorSequence.BLOCK_SIZE);
    out.writeUVarint(seq.size());
    long[] recent = seq.recentIdHashes();
    out.writeUVarint(recent.length);
    for (long h : recent) {
      out.writeLong(h);
    }
    int blocks = seq.blockCount();
    for (int j = 0; j < blocks; j++) {
      byte[] block = seq.encodedBlock(j, scratch);
      out.writeUVarint(block.length);
      out.writeBytes(block, 0, block.length);
    }
    return out.toByteArray();
  }

  /**
   * Reads a sequence.
   *
   * @throws CorruptDataException on a wrong magic, an unknown version, or inconsistent content
   */
  public static BehaviorSequence deserialize(byte[] bytes) {
    ByteReader in = new ByteReader(bytes);
    if (bytes.length < 3 || in.readByte() != MAGIC0 || in.readByte() != MAGIC1) {
      throw new CorruptDataException("not a behaviour sequence (bad magic)");
    }
    int version = in.readByte();
    if (version != VERSION) {
      throw new CorruptDataException(
          "unknown behaviour sequence format version "
              + version
              + " (this reader: "
              + VERSION
              + ")");
    }
    SequenceLimits limits;
    try {
      limits =
          SequenceLimits.builder()
              .optMaxLength(in.readUVarintInt(SequenceLimits.MAX_LENGTH_LIMIT, "maxLength"))
              .optMaxOutOfOrderMs(in.readUVarint())
              .optDedupWindow(in.readUVarintInt(SequenceLimits.MAX_DEDUP_WINDOW, "dedupWindow"))
              .build();
    } catch (IllegalArgumentException e) {
      throw new CorruptDataException("bad limits: " + e.getMessage(), e);
    }
    int blockSize = in.readUVarintInt(Integer.MAX_VALUE, "blockSize");
    if (blockSize != BehaviorSequence.BLOCK_SIZE) {
      throw new CorruptDataException("unsupported block size " + blockSize);
    }
    int phase = in.readUVarintInt(blockSize - 1, "phase");
    int size = in.readUVarintInt(limits.maxLength(), "size");
    int dedupCount = in.readUVarintInt(limits.dedupWindow(), "dedupCount");
    BehaviorSequence seq = new BehaviorSequence(limits, Math.max(size, 4));
    for (int i = 0; i < dedupCount; i++) {
      seq.remember(in.readLong());
    }
    seq.dropped = phase;
    int blocks = seq.blockCountFor(size);
    for (int j = 0; j < blocks; j++) {
      int len = in.readUVarintInt(Integer.MAX_VALUE, "block length");
      if (len > in.remaining()) {
        throw new CorruptDataException("block " + j + " runs past the end");
      }
      int off = in.position();
      int before = seq.buffer.size();
      int n = seq.buffer.decodeBlockAppend(new ByteReader(bytes, off, len));
      long blockStart = (seq.firstBlock() + j) * (long) blockSize;
      int expected =
          (int) (Math.min(size, blockStart + blockSize - phase) - Math.max(0, blockStart - phase));
      if (n != expected || seq.buffer.size() != before + n) {
        throw new CorruptDataException("block " + j + " holds " + n + ", expected " + expected);
      }
      in.skip(len);
      // Keep the bytes as the block's cache entry: re-serializing copies them as they are.
      byte[] copy = new byte[len];
      System.arraycopy(bytes, off, copy, 0, len);
      seq.blockCache.add(copy);
    }
    if (in.remaining() != 0) {
      throw new CorruptDataException(in.remaining() + " trailing bytes after the last block");
    }
    return seq;
  }
}
