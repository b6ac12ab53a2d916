package io.darestream.state.sequence;

import io.darestream.state.codec.ByteReader;
import io.darestream.state.codec.ByteWriter;
import io.darestream.state.codec.CorruptDataException;

/**
 * Byte form of a {@link BehaviorSequence}, Flink-free so that the stream job can wrap it in its own
 * {@code TypeSerializer}.
 *
 * <pre>
 * magic 0xDA 0x51, version 2
 * uvarint maxLength, uvarint maxOutOfOrderMs, uvarint dedupHorizonMs   (the limits)
 * uvarint blockSize, uvarint phase (= dropped mod blockSize), uvarint size
 * dedup ids (see DedupIds): uvarint count, count x int64 hash, their event times delta-coded
 * per block: uvarint byteLength, block bytes (see BehaviorBuffer)
 * </pre>
 *
 * <p>Version 1 (read, never written) had {@code uvarint dedupWindow} (a count) as its third limit
 * and {@code uvarint dedupCount, dedupCount x int64 hash} without times. Its ids are read with the
 * newest behaviour's time, so they are remembered for a full horizon from there; its limits get the
 * default horizon (the job applies its configured limits on the user's next event).
 */
public final class SequenceCodec {
  static final int MAGIC0 = 0xDA;
  static final int MAGIC1 = 0x51;

  /** Current format version, the one written; readers also read version 1. */
  public static final int VERSION = 2;

  static final int VERSION_1 = 1;

  private SequenceCodec() {}

  public static byte[] serialize(BehaviorSequence seq) {
    ByteWriter out = new ByteWriter(16 + seq.size() * 8 + seq.dedup.size() * 10);
    ByteWriter scratch = new ByteWriter(BehaviorSequence.BLOCK_SIZE * 12);
    out.writeByte(MAGIC0);
    out.writeByte(MAGIC1);
    out.writeByte(VERSION);
    SequenceLimits limits = seq.limits();
    out.writeUVarint(limits.maxLength());
    out.writeUVarint(limits.maxOutOfOrderMs());
    out.writeUVarint(limits.dedupHorizonMs());
    out.writeUVarint(BehaviorSequence.BLOCK_SIZE);
    out.writeUVarint(seq.dropped % BehaviorSequence.BLOCK_SIZE);
    out.writeUVarint(seq.size());
    seq.dedup.write(out);
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
    if (version != VERSION && version != VERSION_1) {
      throw new CorruptDataException(
          "unknown behaviour sequence format version "
              + version
              + " (this reader: "
              + VERSION
              + ")");
    }
    SequenceLimits limits;
    int v1Window = 0;
    try {
      SequenceLimits.Builder b =
          SequenceLimits.builder()
              .optMaxLength(in.readUVarintInt(SequenceLimits.MAX_LENGTH_LIMIT, "maxLength"))
              .optMaxOutOfOrderMs(in.readUVarint());
      if (version == VERSION_1) {
        v1Window = in.readUVarintInt(SequenceLimits.V1_MAX_DEDUP_WINDOW, "dedupWindow");
      } else {
        b.optDedupHorizonMs(in.readUVarint());
      }
      limits = b.build();
    } catch (IllegalArgumentException e) {
      throw new CorruptDataException("bad limits: " + e.getMessage(), e);
    }
    int blockSize = in.readUVarintInt(Integer.MAX_VALUE, "blockSize");
    if (blockSize != BehaviorSequence.BLOCK_SIZE) {
      throw new CorruptDataException("unsupported block size " + blockSize);
    }
    int phase = in.readUVarintInt(blockSize - 1, "phase");
    int size = in.readUVarintInt(limits.maxLength(), "size");
    BehaviorSequence seq = new BehaviorSequence(limits, Math.max(size, 4));
    long[] v1Hashes = null;
    if (version == VERSION_1) {
      int dedupCount = in.readUVarintInt(v1Window, "dedupCount");
      if ((long) dedupCount * 8 > in.remaining()) {
        throw new CorruptDataException(dedupCount + " dedup ids claimed, too few bytes left");
      }
      v1Hashes = new long[dedupCount];
      for (int i = 0; i < dedupCount; i++) {
        v1Hashes[i] = in.readLong();
      }
    } else {
      seq.dedup = DedupIds.read(in, limits.maxDedupIds());
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
    if (v1Hashes != null) {
      seq.dedup = DedupIds.ofHashes(v1Hashes, Math.max(0, seq.newestTimeMs()));
      seq.dedup.trimTo(limits.maxDedupIds());
    }
    return seq;
  }
}
