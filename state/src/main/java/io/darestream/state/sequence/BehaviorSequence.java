package io.darestream.state.sequence;

import io.darestream.schemas.avro.BehaviorType;
import io.darestream.state.codec.ByteWriter;
import java.util.ArrayList;

/**
 * One user's behaviour sequence: behaviours in event-time order, capped at L_max (oldest dropped),
 * with bounded out-of-order placement and dedup by event id over a time horizon. This is the value
 * the Flink job keeps per user (via {@link SequenceCodec}) and what builds leakage-free training
 * samples through {@link #asOf}.
 *
 * <p>Serialized as self-contained blocks of {@value #BLOCK_SIZE} behaviours aligned to the absolute
 * append position; the encoded bytes of unchanged blocks are cached, so a serialize after an append
 * re-encodes only the newest block (and the oldest one when the cap dropped from it).
 *
 * <p>Dedup guarantee: an event whose id was appended before is refused as {@link
 * AppendResult#DUPLICATE} while the first one's event time is at most {@link
 * SequenceLimits#dedupHorizonMs()} behind the user's newest behaviour. Beyond that it may count
 * again, unless it is refused as too late: with a horizon of at least {@link
 * SequenceLimits#maxOutOfOrderMs()} no event id is ever appended twice. Ids of behaviours older
 * than one the cap dropped are forgotten early (their duplicates are too late for the cap), and at
 * most {@link SequenceLimits#maxDedupIds()} are kept.
 *
 * <p>Not thread-safe: one instance belongs to one key at a time.
 */
public final class BehaviorSequence {
  /** Behaviours per encoded block. */
  public static final int BLOCK_SIZE = 64;

  SequenceLimits limits;
  final BehaviorBuffer buffer;

  /**
   * Count of behaviours ever dropped from the front, modulo nothing: only {@code dropped %
   * BLOCK_SIZE} matters, as it aligns block boundaries.
   */
  long dropped;

  /** Remembered event ids, by event time. */
  DedupIds dedup = new DedupIds();

  /** Encoded blocks, index j = block {@code firstBlock() + j}; null = must be re-encoded. */
  final ArrayList<byte[]> blockCache = new ArrayList<>();

  BehaviorSequence(SequenceLimits limits, int capacity) {
    this.limits = limits;
    this.buffer = new BehaviorBuffer(capacity);
  }

  /** An empty sequence with the given bounds. */
  public static BehaviorSequence create(SequenceLimits limits) {
    return new BehaviorSequence(limits, Math.min(limits.maxLength(), 64));
  }

  public SequenceLimits limits() {
    return limits;
  }

  /** Number of stored behaviours ({@code <= limits().maxLength()}). */
  public int size() {
    return buffer.size();
  }

  public boolean isEmpty() {
    return buffer.size() == 0;
  }

  /** Time of the newest stored behaviour, or {@link Long#MIN_VALUE} when empty. */
  public long newestTimeMs() {
    return buffer.size() == 0 ? Long.MIN_VALUE : buffer.time(buffer.size() - 1);
  }

  /** Time of the oldest stored behaviour, or {@link Long#MIN_VALUE} when empty. */
  public long oldestTimeMs() {
    return buffer.size() == 0 ? Long.MIN_VALUE : buffer.time(0);
  }

  /** Appends one behaviour; see {@link #append(long, long, long, long, byte)}. */
  public AppendResult append(
      long eventIdHash, long itemId, long categoryId, long eventTimeMs, BehaviorType type) {
    return append(eventIdHash, itemId, categoryId, eventTimeMs, BehaviorCodes.code(type));
  }

  /**
   * Appends one behaviour in event-time order (after stored behaviours of the same time).
   *
   * @param eventIdHash {@link EventIds#hash64} of the event id, or 0 when the event has no id (then
   *     it is never treated as a duplicate)
   * @param eventTimeMs must be in {@code [0, 2^60)}
   * @param typeCode a {@link BehaviorCodes} code, {@code [0, 8)}
   */
  public AppendResult append(
      long eventIdHash, long itemId, long categoryId, long eventTimeMs, byte typeCode) {
    if (eventTimeMs < 0 || eventTimeMs >= BehaviorBuffer.MAX_TIME_MS) {
      throw new IllegalArgumentException("event time out of range: " + eventTimeMs);
    }
    if (typeCode < 0 || typeCode >= BehaviorCodes.CODE_LIMIT) {
      throw new IllegalArgumentException("type code out of range: " + typeCode);
    }
    if (eventIdHash != 0 && dedup.contains(eventIdHash)) {
      return AppendResult.DUPLICATE;
    }
    int n = buffer.size();
    if (n > 0 && eventTimeMs < buffer.time(n - 1) - limits.maxOutOfOrderMs()) {
      return AppendResult.TOO_LATE;
    }
    int pos = buffer.upperBound(eventTimeMs);
    if (pos == 0 && n >= limits.maxLength()) {
      return AppendResult.TOO_LATE;
    }
    buffer.insert(pos, itemId, categoryId, eventTimeMs, typeCode);
    invalidateFrom(pos);
    int excess = buffer.size() - limits.maxLength();
    long droppedUpTo = Long.MIN_VALUE;
    if (excess > 0) {
      droppedUpTo = buffer.time(excess - 1);
      dropOldest(excess);
    }
    if (eventIdHash != 0) {
      dedup.add(eventIdHash, eventTimeMs, limits.maxDedupIds());
    }
    forgetIds(droppedUpTo);
    return AppendResult.APPENDED;
  }

  /** The newest {@code n} behaviours (fewer if the sequence is shorter), newest first. */
  public SequenceView newest(int n) {
    int size = buffer.size();
    return buffer.viewNewestFirst(Math.max(0, size - Math.max(0, n)), size);
  }

  /**
   * The newest {@code n} behaviours that happened strictly before {@code timeMs}, newest first: the
   * history a sample at {@code timeMs} may see without leaking its own or later events.
   */
  public SequenceView asOf(long timeMs, int n) {
    int end = buffer.lowerBound(timeMs);
    return buffer.viewNewestFirst(Math.max(0, end - Math.max(0, n)), end);
  }

  /**
   * Item and category ids of {@link #asOf asOf(timeMs, n)}, newest first: what a training sample
   * needs, without the copies of times and types a full view makes on the per-event hot path.
   */
  public History historyAsOf(long timeMs, int n) {
    int end = buffer.lowerBound(timeMs);
    return buffer.historyNewestFirst(Math.max(0, end - Math.max(0, n)), end);
  }

  /**
   * Item and category ids of part of a sequence, newest first; fresh arrays owned by the caller.
   */
  public record History(long[] items, long[] categories) {}

  /**
   * Applies new bounds (e.g. after a job restarts with another L_max or horizon): trims to the new
   * cap and forgets the ids the new horizon no longer covers.
   */
  public void setLimits(SequenceLimits newLimits) {
    limits = newLimits;
    int excess = buffer.size() - newLimits.maxLength();
    long droppedUpTo = Long.MIN_VALUE;
    if (excess > 0) {
      droppedUpTo = buffer.time(excess - 1);
      dropOldest(excess);
    }
    dedup.trimTo(newLimits.maxDedupIds());
    forgetIds(droppedUpTo);
  }

  /** Number of remembered event ids. */
  public int dedupIdCount() {
    return dedup.size();
  }

  /** Whether the id with this {@link EventIds#hash64} is remembered. */
  public boolean remembers(long eventIdHash) {
    return dedup.contains(eventIdHash);
  }

  /** Serialized form; see {@link SequenceCodec}. */
  public byte[] toBytes() {
    return SequenceCodec.serialize(this);
  }

  public static BehaviorSequence fromBytes(byte[] bytes) {
    return SequenceCodec.deserialize(bytes);
  }

  @Override
  public String toString() {
    return "BehaviorSequence{size=" + size() + ", limits=" + limits + "}";
  }

  // ---- encoded-block cache -------------------------------------------------------------------

  long firstBlock() {
    return dropped / BLOCK_SIZE;
  }

  int blockCount() {
    return blockCountFor(buffer.size());
  }

  int blockCountFor(int size) {
    if (size == 0) {
      return 0;
    }
    return (int) ((dropped + size - 1) / BLOCK_SIZE - firstBlock() + 1);
  }

  /** Encodes block {@code firstBlock() + j}, reusing the cached bytes if it did not change. */
  byte[] encodedBlock(int j, ByteWriter scratch) {
    while (blockCache.size() <= j) {
      blockCache.add(null);
    }
    byte[] cached = blockCache.get(j);
    if (cached != null) {
      return cached;
    }
    long blockStart = (firstBlock() + j) * BLOCK_SIZE;
    int from = (int) Math.max(0, blockStart - dropped);
    int to = (int) Math.min(buffer.size(), blockStart + BLOCK_SIZE - dropped);
    scratch.reset();
    buffer.encodeBlock(from, to, scratch);
    byte[] bytes = scratch.toByteArray();
    blockCache.set(j, bytes);
    return bytes;
  }

  private void invalidateFrom(int index) {
    int j = (int) ((dropped + index) / BLOCK_SIZE - firstBlock());
    while (blockCache.size() > j) {
      blockCache.remove(blockCache.size() - 1);
    }
  }

  private void dropOldest(int n) {
    long oldFirst = firstBlock();
    buffer.dropOldest(n);
    dropped += n;
    int gone = (int) Math.min(blockCache.size(), firstBlock() - oldFirst);
    blockCache.subList(0, gone).clear();
    if (dropped % BLOCK_SIZE != 0 && !blockCache.isEmpty()) {
      blockCache.set(0, null);
    }
  }

  // ---- dedup ---------------------------------------------------------------------------------

  /**
   * Forgets ids beyond the horizon behind the newest behaviour, and ids older than the newest
   * behaviour the cap dropped ({@code droppedUpTo}): a duplicate of one of those would land before
   * everything kept at the cap, which {@link #append} refuses as too late.
   */
  private void forgetIds(long droppedUpTo) {
    if (limits.dedupHorizonMs() == 0) {
      dedup.trimTo(0);
      return;
    }
    long bound = droppedUpTo;
    if (buffer.size() > 0) {
      bound = Math.max(bound, newestTimeMs() - limits.dedupHorizonMs());
    }
    dedup.forgetBefore(bound);
  }
}
