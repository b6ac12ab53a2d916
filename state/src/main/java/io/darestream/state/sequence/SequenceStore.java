package io.darestream.state.sequence;

import io.darestream.state.StateStoreException;
import io.darestream.state.codec.ByteReader;
import io.darestream.state.codec.ByteWriter;
import io.darestream.state.codec.CorruptDataException;
import io.darestream.state.rocksdb.RocksDbLibrary;
import io.darestream.state.rocksdb.RocksDbLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.LoggerFactory;

/**
 * Per-user behaviour sequences in RocksDB, for serving: append, read the newest N (or the newest N
 * before a time), cap at L_max, expire users not written for a TTL.
 *
 * <p>Layout: column family {@code blocks} maps {@code (user, blockNo)} (16 bytes, big-endian) to
 * one encoded block of up to {@value BehaviorSequence#BLOCK_SIZE} behaviours; column family {@code
 * meta} maps {@code user} to the block range, size, newest time, last write time and recent event
 * ids. An append rewrites the newest block and the meta (plus the oldest block when the cap drops
 * from it) in one atomic {@link WriteBatch}, never the whole sequence.
 *
 * <p>Thread-safe. Appends to one user are serialised by a striped lock (an append is a
 * read-modify-write); reads take no lock and see a consistent state through a RocksDB snapshot.
 *
 * <p>Durability: the write-ahead log is buffered in memory (RocksDB's manual WAL flush) instead of
 * being written to the file on every append, which costs a system call each. An append survives a
 * crash of the process once {@link #flushWal} (or {@link #close}) has returned; a feed that records
 * how far it read calls {@link #flushWal} first, so it never records more than the store holds.
 */
public final class SequenceStore implements AutoCloseable {
  private static final int META_MAGIC0 = 0xDA;
  private static final int META_MAGIC1 = 0x53;
  private static final int META_VERSION = 2;
  private static final int META_VERSION_1 = 1;
  private static final int BLOCK = BehaviorSequence.BLOCK_SIZE;
  private static final int LOCK_STRIPES = 256;

  private final SequenceLimits limits;
  private final long ttlMs;
  private final LongSupplier clock;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final WriteOptions writeOptions;
  // Appends read without a snapshot (under the user's lock): one shared, immutable ReadOptions.
  private final ReadOptions latestReads;
  private final RocksDB db;
  private final ColumnFamilyHandle defaultCf;
  private final ColumnFamilyHandle blocksCf;
  private final ColumnFamilyHandle metaCf;
  private final Object[] locks = new Object[LOCK_STRIPES];

  private SequenceStore(Builder b) {
    RocksDbLibrary.ensureLoaded();
    this.limits = b.limits;
    this.ttlMs = b.ttl == null ? Long.MAX_VALUE : b.ttl.toMillis();
    this.clock = b.clock;
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new Object();
    }
    dbOptions =
        RocksDbLogs.bounded(
            new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setManualWalFlush(true));
    cfOptions = new ColumnFamilyOptions();
    writeOptions = new WriteOptions();
    latestReads = new ReadOptions();
    List<ColumnFamilyDescriptor> descriptors =
        List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
            new ColumnFamilyDescriptor(bytes("blocks"), cfOptions),
            new ColumnFamilyDescriptor(bytes("meta"), cfOptions));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try {
      Files.createDirectories(b.path);
      db = RocksDB.open(dbOptions, b.path.toString(), descriptors, handles);
    } catch (RocksDBException | java.io.IOException e) {
      closeOptions();
      throw new StateStoreException("cannot open sequence store at " + b.path + ": " + e, e);
    }
    defaultCf = handles.get(0);
    blocksCf = handles.get(1);
    metaCf = handles.get(2);
  }

  public static Builder builder() {
    return new Builder();
  }

  public SequenceLimits limits() {
    return limits;
  }

  /**
   * Appends one behaviour of {@code userId}, with the same rules as {@link
   * BehaviorSequence#append(long, long, long, long, byte)}: dedup by event-id hash within the
   * window, bounded out-of-order placement, cap at L_max.
   */
  public AppendResult append(
      long userId,
      long eventIdHash,
      long itemId,
      long categoryId,
      long eventTimeMs,
      byte typeCode) {
    if (eventTimeMs < 0 || eventTimeMs >= BehaviorBuffer.MAX_TIME_MS) {
      throw new IllegalArgumentException("event time out of range: " + eventTimeMs);
    }
    if (typeCode < 0 || typeCode >= BehaviorCodes.CODE_LIMIT) {
      throw new IllegalArgumentException("type code out of range: " + typeCode);
    }
    synchronized (lockFor(userId)) {
      long now = clock.getAsLong();
      try (WriteBatch batch = new WriteBatch()) {
        ReadOptions ro = latestReads;
        UserMeta meta = readMeta(ro, userId);
        if (meta != null && expired(meta, now)) {
          deleteBlocks(batch, userId, meta);
          meta = null;
        }
        AppendResult result =
            meta == null
                ? appendTo(
                    batch,
                    ro,
                    userId,
                    UserMeta.empty(),
                    now,
                    eventIdHash,
                    itemId,
                    categoryId,
                    eventTimeMs,
                    typeCode)
                : appendTo(
                    batch,
                    ro,
                    userId,
                    meta,
                    now,
                    eventIdHash,
                    itemId,
                    categoryId,
                    eventTimeMs,
                    typeCode);
        if (batch.count() > 0) {
          db.write(writeOptions, batch);
        }
        return result;
      } catch (RocksDBException e) {
        throw new StateStoreException("append for user " + userId + " failed: " + e, e);
      }
    }
  }

  private AppendResult appendTo(
      WriteBatch batch,
      ReadOptions ro,
      long userId,
      UserMeta meta,
      long now,
      long eventIdHash,
      long itemId,
      long categoryId,
      long eventTimeMs,
      byte typeCode)
      throws RocksDBException {
    if (eventIdHash != 0 && meta.ids.contains(eventIdHash)) {
      return AppendResult.DUPLICATE;
    }
    if (meta.size > 0 && eventTimeMs < meta.newestTimeMs - limits.maxOutOfOrderMs()) {
      return AppendResult.TOO_LATE;
    }
    long k = meta.lastBlock;
    BehaviorBuffer buf = meta.size == 0 ? new BehaviorBuffer(BLOCK) : readBlock(ro, userId, k);
    // Out of order: walk back to the block that covers the event's time (the bound keeps it short).
    while (k > meta.firstBlock && buf.size() > 0 && eventTimeMs < buf.time(0)) {
      k--;
      buf = readBlock(ro, userId, k);
    }
    int pos = buf.upperBound(eventTimeMs);
    if (k == meta.firstBlock && pos == 0 && meta.size >= limits.maxLength()) {
      return AppendResult.TOO_LATE;
    }
    if (k == meta.lastBlock && pos == buf.size() && buf.size() >= BLOCK) {
      k = ++meta.lastBlock;
      buf = new BehaviorBuffer(BLOCK);
      pos = 0;
    }
    buf.insert(pos, itemId, categoryId, eventTimeMs, typeCode);
    putBlock(batch, userId, k, buf);
    meta.size++;
    meta.newestTimeMs = Math.max(meta.newestTimeMs, eventTimeMs);
    meta.lastWriteMs = now;
    long droppedUpTo = Long.MIN_VALUE;
    while (meta.size > limits.maxLength()) {
      long f = meta.firstBlock;
      BehaviorBuffer first = f == k ? buf : readBlock(ro, userId, f);
      int m = Math.min(first.size(), meta.size - limits.maxLength());
      droppedUpTo = Math.max(droppedUpTo, first.time(m - 1));
      first.dropOldest(m);
      meta.size -= m;
      if (first.size() == 0) {
        batch.delete(blocksCf, blockKey(userId, f));
        meta.firstBlock++;
      } else {
        putBlock(batch, userId, f, first);
      }
    }
    if (eventIdHash != 0) {
      meta.ids.add(eventIdHash, eventTimeMs, limits.maxDedupIds());
    }
    // The same forgetting rule as BehaviorSequence: beyond the horizon, or older than a behaviour
    // the cap dropped (a duplicate of it is too late for the cap).
    if (limits.dedupHorizonMs() == 0) {
      meta.ids.trimTo(0);
    } else {
      meta.ids.forgetBefore(Math.max(droppedUpTo, meta.newestTimeMs - limits.dedupHorizonMs()));
    }
    batch.put(metaCf, userKey(userId), meta.encode());
    return AppendResult.APPENDED;
  }

  /** The newest {@code n} behaviours of {@code userId}, newest first; empty if none or expired. */
  public SequenceView newest(long userId, int n) {
    return read(userId, Long.MAX_VALUE, n);
  }

  /** The newest {@code n} behaviours strictly before {@code timeMs}, newest first. */
  public SequenceView asOf(long userId, long timeMs, int n) {
    return read(userId, timeMs, n);
  }

  /** Number of stored behaviours of {@code userId} (0 if expired). */
  public int size(long userId) {
    try (ReadOptions ro = new ReadOptions()) {
      UserMeta meta = readMeta(ro, userId);
      return meta == null || expired(meta, clock.getAsLong()) ? 0 : meta.size;
    } catch (RocksDBException e) {
      throw new StateStoreException("read of user " + userId + " failed: " + e, e);
    }
  }

  private SequenceView read(long userId, long beforeExclusive, int n) {
    if (n <= 0) {
      return SequenceView.EMPTY;
    }
    Snapshot snapshot = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
      UserMeta meta = readMeta(ro, userId);
      if (meta == null || meta.size == 0 || expired(meta, clock.getAsLong())) {
        return SequenceView.EMPTY;
      }
      List<BehaviorBuffer> blocks = new ArrayList<>();
      List<Integer> ends = new ArrayList<>();
      int total = 0;
      for (long k = meta.lastBlock; k >= meta.firstBlock && total < n; k--) {
        BehaviorBuffer buf = readBlock(ro, userId, k);
        int end = buf.lowerBound(beforeExclusive);
        if (end > 0) {
          blocks.add(buf);
          ends.add(end);
          total += end;
        }
      }
      int len = Math.min(n, total);
      long[] items = new long[len];
      long[] cats = new long[len];
      long[] times = new long[len];
      byte[] types = new byte[len];
      int out = 0;
      for (int b = 0; b < blocks.size() && out < len; b++) {
        BehaviorBuffer buf = blocks.get(b);
        for (int i = ends.get(b) - 1; i >= 0 && out < len; i--, out++) {
          items[out] = buf.item(i);
          cats[out] = buf.category(i);
          times[out] = buf.time(i);
          types[out] = buf.type(i);
        }
      }
      return new SequenceView(items, cats, times, types);
    } catch (RocksDBException e) {
      throw new StateStoreException("read of user " + userId + " failed: " + e, e);
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  /** Removes every user whose last write is older than the TTL; returns how many. */
  public int purgeExpired() {
    long now = clock.getAsLong();
    List<Long> expiredUsers = new ArrayList<>();
    try (ReadOptions ro = new ReadOptions();
        RocksIterator it = db.newIterator(metaCf, ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (expired(UserMeta.decode(it.value()), now)) {
          expiredUsers.add(readLong(it.key(), 0));
        }
      }
    }
    int removed = 0;
    for (long user : expiredUsers) {
      synchronized (lockFor(user)) {
        try (WriteBatch batch = new WriteBatch();
            ReadOptions ro = new ReadOptions()) {
          UserMeta meta = readMeta(ro, user);
          if (meta != null && expired(meta, clock.getAsLong())) {
            deleteBlocks(batch, user, meta);
            batch.delete(metaCf, userKey(user));
            db.write(writeOptions, batch);
            removed++;
          }
        } catch (RocksDBException e) {
          throw new StateStoreException("purge of user " + user + " failed: " + e, e);
        }
      }
    }
    return removed;
  }

  /**
   * Writes the buffered write-ahead log to its file: every append made before the call then
   * survives a crash of this process (an OS crash needs an fsync on top, which serving does not pay
   * for: its history can be re-read from Kafka).
   */
  public void flushWal() {
    try {
      db.flushWal(false);
    } catch (RocksDBException e) {
      throw new StateStoreException("WAL flush failed: " + e, e);
    }
  }

  /** Flushes memtables to SST files. */
  public void flush() {
    try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, List.of(blocksCf, metaCf));
    } catch (RocksDBException e) {
      throw new StateStoreException("flush failed: " + e, e);
    }
  }

  @Override
  public void close() {
    try {
      db.flushWal(false);
    } catch (RocksDBException e) {
      // Closing anyway: what the log lost is re-read from the topic (appends are deduplicated).
      LoggerFactory.getLogger(SequenceStore.class)
          .warn("WAL flush on close failed: {}", e.toString());
    }
    blocksCf.close();
    metaCf.close();
    defaultCf.close();
    db.close();
    closeOptions();
  }

  private void closeOptions() {
    latestReads.close();
    writeOptions.close();
    cfOptions.close();
    dbOptions.close();
  }

  private boolean expired(UserMeta meta, long now) {
    return ttlMs != Long.MAX_VALUE && now - meta.lastWriteMs > ttlMs;
  }

  private void deleteBlocks(WriteBatch batch, long userId, UserMeta meta) throws RocksDBException {
    batch.deleteRange(
        blocksCf, blockKey(userId, meta.firstBlock), blockKey(userId, meta.lastBlock + 1));
  }

  private UserMeta readMeta(ReadOptions ro, long userId) throws RocksDBException {
    byte[] v = db.get(metaCf, ro, userKey(userId));
    return v == null ? null : UserMeta.decode(v);
  }

  private BehaviorBuffer readBlock(ReadOptions ro, long userId, long k) throws RocksDBException {
    byte[] v = db.get(blocksCf, ro, blockKey(userId, k));
    if (v == null) {
      throw new CorruptDataException("user " + userId + ": block " + k + " is missing");
    }
    BehaviorBuffer buf = new BehaviorBuffer(BLOCK + 1);
    buf.decodeBlockAppend(new ByteReader(v));
    return buf;
  }

  private void putBlock(WriteBatch batch, long userId, long k, BehaviorBuffer buf)
      throws RocksDBException {
    ByteWriter w = new ByteWriter(buf.size() * 8 + 16);
    buf.encodeBlock(0, buf.size(), w);
    batch.put(blocksCf, blockKey(userId, k), w.toByteArray());
  }

  private Object lockFor(long userId) {
    long h = userId * 0x9E3779B97F4A7C15L;
    return locks[(int) (h >>> 56) & (LOCK_STRIPES - 1)];
  }

  private static byte[] userKey(long userId) {
    byte[] k = new byte[8];
    writeLong(k, 0, userId);
    return k;
  }

  private static byte[] blockKey(long userId, long block) {
    byte[] k = new byte[16];
    writeLong(k, 0, userId);
    writeLong(k, 8, block);
    return k;
  }

  private static void writeLong(byte[] b, int off, long v) {
    for (int i = 0; i < 8; i++) {
      b[off + i] = (byte) (v >>> (56 - 8 * i));
    }
  }

  private static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Per-user bookkeeping stored in the {@code meta} column family: magic {@code 0xDA 0x53}, version
   * 2, uvarint first and last block, uvarint size, zigzag newest time and last write time, then the
   * remembered event ids ({@link DedupIds}). Version 1 (read, never written) had {@code uvarint
   * count, count x int64 hash} without times; those ids are read with the newest time.
   */
  static final class UserMeta {
    long firstBlock;
    long lastBlock;
    int size;
    long newestTimeMs = Long.MIN_VALUE;
    long lastWriteMs;
    DedupIds ids = new DedupIds();

    static UserMeta empty() {
      return new UserMeta();
    }

    byte[] encode() {
      ByteWriter w = new ByteWriter(40 + ids.size() * 10);
      w.writeByte(META_MAGIC0);
      w.writeByte(META_MAGIC1);
      w.writeByte(META_VERSION);
      w.writeUVarint(firstBlock);
      w.writeUVarint(lastBlock);
      w.writeUVarint(size);
      w.writeZigZag(newestTimeMs);
      w.writeZigZag(lastWriteMs);
      ids.write(w);
      return w.toByteArray();
    }

    static UserMeta decode(byte[] v) {
      ByteReader r = new ByteReader(v);
      if (v.length < 3 || r.readByte() != META_MAGIC0 || r.readByte() != META_MAGIC1) {
        throw new CorruptDataException("sequence store meta: bad magic");
      }
      int version = r.readByte();
      if (version != META_VERSION && version != META_VERSION_1) {
        throw new CorruptDataException("sequence store meta: unknown version " + version);
      }
      UserMeta m = new UserMeta();
      m.firstBlock = r.readUVarint();
      m.lastBlock = r.readUVarint();
      m.size = r.readUVarintInt(SequenceLimits.MAX_LENGTH_LIMIT, "size");
      m.newestTimeMs = r.readZigZag();
      m.lastWriteMs = r.readZigZag();
      if (version == META_VERSION_1) {
        int n = r.readUVarintInt(SequenceLimits.V1_MAX_DEDUP_WINDOW, "dedup count");
        if ((long) n * 8 > r.remaining()) {
          throw new CorruptDataException("sequence store meta: " + n + " ids claimed, too short");
        }
        long[] hashes = new long[n];
        for (int i = 0; i < n; i++) {
          hashes[i] = r.readLong();
        }
        m.ids = DedupIds.ofHashes(hashes, Math.max(0, m.newestTimeMs));
      } else {
        // Bounded by the largest cap any store may have, whatever the limits this one opened with.
        m.ids = DedupIds.read(r, 2 * SequenceLimits.MAX_LENGTH_LIMIT + 64);
      }
      return m;
    }
  }

  /** Opens a {@link SequenceStore}: {@code setPath} is required, the rest optional. */
  public static final class Builder {
    private Path path;
    private SequenceLimits limits = SequenceLimits.defaults();
    private Duration ttl;
    private LongSupplier clock = System::currentTimeMillis;

    private Builder() {}

    public Builder setPath(Path path) {
      this.path = path;
      return this;
    }

    public Builder optLimits(SequenceLimits limits) {
      this.limits = limits;
      return this;
    }

    /** Users not written for this long read as empty and are removed by {@link #purgeExpired}. */
    public Builder optTtl(Duration ttl) {
      this.ttl = ttl;
      return this;
    }

    /** Wall clock for the TTL (tests pass a controllable one). */
    public Builder optClock(LongSupplier clock) {
      this.clock = clock;
      return this;
    }

    public SequenceStore open() {
      if (path == null) {
        throw new IllegalArgumentException("Path is required but not provided.");
      }
      if (limits == null || clock == null) {
        throw new IllegalArgumentException("limits and clock must not be null");
      }
      if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
        throw new IllegalArgumentException("ttl must be positive, got " + ttl);
      }
      return new SequenceStore(this);
    }
  }
}
