package io.darestream.state.model;

import io.darestream.state.StateStoreException;
import io.darestream.state.codec.CorruptDataException;
import io.darestream.state.rocksdb.RocksDbLibrary;
import io.darestream.state.rocksdb.RocksDbLogs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RateLimiter;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The durable copy of the model: a RocksDB database with one column family per embedding table
 * ({@code t:<name>}, key = row id as 8 bytes big-endian, value = the row's floats little-endian),
 * one for dense parameters ({@code dense}: name to float[]) and one for metadata ({@code meta}: key
 * to bytes). The trainer's in-memory tables are the working copy; it writes dirty rows here before
 * a {@link #checkpoint}.
 *
 * <p>Writes go through {@link WriteBatch} with the write-ahead log off: the store is only relied on
 * at checkpoints (which flush the memtables), and on failure the job restores a checkpoint anyway,
 * so a WAL would double the write cost for nothing.
 *
 * <p>Thread-safe for concurrent reads and writes (RocksDB is); {@link #close()} must not race other
 * calls.
 */
public final class ModelStore implements AutoCloseable {
  private static final String TABLE_PREFIX = "t:";
  private static final byte[] DENSE_CF = "dense".getBytes(StandardCharsets.UTF_8);
  private static final byte[] META_CF = "meta".getBytes(StandardCharsets.UTF_8);
  private static final byte[] LAYOUT_KEY = "__layout".getBytes(StandardCharsets.UTF_8);

  private final Path dir;
  private final boolean readOnly;
  private final Path logDir;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final WriteOptions writeOptions;
  private RateLimiter rateLimiter; // null: unlimited
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles;
  private final Map<String, ColumnFamilyHandle> tableHandles = new HashMap<>();
  private final ColumnFamilyHandle denseCf;
  private final ColumnFamilyHandle metaCf;
  private final ModelStoreLayout layout;

  private ModelStore(
      Path dir, ModelStoreLayout requested, boolean readOnly, long backgroundBytesPerSecond) {
    RocksDbLibrary.ensureLoaded();
    this.dir = dir;
    this.readOnly = readOnly;
    this.cfOptions =
        new ColumnFamilyOptions()
            // Rows are float noise to a compressor: compression costs CPU and saves little.
            .setCompressionType(CompressionType.NO_COMPRESSION)
            .setWriteBufferSize(64L << 20)
            .setTargetFileSizeBase(64L << 20);
    this.writeOptions = new WriteOptions().setDisableWAL(true);
    Path log = null;
    DBOptions options = null;
    RocksDB opened = null;
    List<ColumnFamilyHandle> hs = new ArrayList<>();
    try {
      options =
          RocksDbLogs.bounded(
              new DBOptions()
                  .setCreateIfMissing(!readOnly)
                  .setCreateMissingColumnFamilies(!readOnly)
                  .setMaxBackgroundJobs(2));
      if (backgroundBytesPerSecond > 0) {
        rateLimiter = new RateLimiter(backgroundBytesPerSecond);
        options.setRateLimiter(rateLimiter);
      }
      if (readOnly) {
        // RocksDB writes its info LOG even when read-only; keep it out of the (verified) directory.
        log = Files.createTempDirectory("dare-modelstore-log");
        options.setDbLogDir(log.toString());
      } else {
        Files.createDirectories(dir);
      }
      List<String> existing = listColumnFamilies(dir);
      List<String> names = new ArrayList<>();
      names.add(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8));
      names.add("dense");
      names.add("meta");
      for (String cf : existing) {
        if (!names.contains(cf)) {
          names.add(cf);
        }
      }
      if (requested != null) {
        for (String table : requested.widths().keySet()) {
          if (!names.contains(TABLE_PREFIX + table)) {
            names.add(TABLE_PREFIX + table);
          }
        }
      }
      if (readOnly && existing.isEmpty()) {
        throw new StateStoreException("no model store at " + dir);
      }
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      for (String n : names) {
        descriptors.add(new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8), cfOptions));
      }
      opened =
          readOnly
              ? RocksDB.openReadOnly(options, dir.toString(), descriptors, hs)
              : RocksDB.open(options, dir.toString(), descriptors, hs);
      this.dbOptions = options;
      this.db = opened;
      this.handles = hs;
      this.logDir = log;
      ColumnFamilyHandle dense = null;
      ColumnFamilyHandle meta = null;
      for (int i = 0; i < names.size(); i++) {
        String n = names.get(i);
        if (n.equals("dense")) {
          dense = hs.get(i);
        } else if (n.equals("meta")) {
          meta = hs.get(i);
        } else if (n.startsWith(TABLE_PREFIX)) {
          tableHandles.put(n.substring(TABLE_PREFIX.length()), hs.get(i));
        }
      }
      this.denseCf = dense;
      this.metaCf = meta;
      this.layout = reconcileLayout(requested);
    } catch (RocksDBException | IOException | RuntimeException e) {
      for (ColumnFamilyHandle h : hs) {
        h.close();
      }
      if (opened != null) {
        opened.close();
      }
      if (options != null) {
        options.close();
      }
      if (rateLimiter != null) {
        rateLimiter.close();
      }
      writeOptions.close();
      cfOptions.close();
      deleteQuietly(log);
      if (e instanceof StateStoreException sse) {
        throw sse;
      }
      throw new StateStoreException("cannot open model store at " + dir + ": " + e, e);
    }
  }

  /**
   * Opens (creating if needed) a writable store. Tables of {@code layout} missing from the store
   * are created; a table whose stored width differs is refused.
   */
  public static ModelStore open(Path dir, ModelStoreLayout layout) {
    if (layout == null) {
      throw new IllegalArgumentException("Layout is required but not provided.");
    }
    return new ModelStore(dir, layout, false, 0);
  }

  /**
   * As {@link #open(Path, ModelStoreLayout)}, with flushes and compactions limited to {@code
   * bytesPerSecond} of writes: a trainer that rewrites most of its rows every few checkpoints would
   * otherwise get its compactions as bursts of CPU beside training.
   */
  public static ModelStore open(Path dir, ModelStoreLayout layout, long bytesPerSecond) {
    if (layout == null) {
      throw new IllegalArgumentException("Layout is required but not provided.");
    }
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be > 0, got " + bytesPerSecond);
    }
    return new ModelStore(dir, layout, false, bytesPerSecond);
  }

  /** Opens an existing store read-only (e.g. a verified snapshot); the layout is read from it. */
  public static ModelStore openReadOnly(Path dir) {
    return new ModelStore(dir, null, true, 0);
  }

  public ModelStoreLayout layout() {
    return layout;
  }

  public Path directory() {
    return dir;
  }

  /** Row width of {@code table} in floats. */
  public int width(String table) {
    return layout.width(table);
  }

  /**
   * Writes {@code ids.length} rows of {@code table} atomically; row {@code i} is {@code
   * packedRows[i * width .. (i + 1) * width)}.
   */
  public void putRows(String table, long[] ids, float[] packedRows) {
    putRows(table, ids, ids.length, packedRows);
  }

  /** As {@link #putRows(String, long[], float[])} for the first {@code count} ids. */
  public void putRows(String table, long[] ids, int count, float[] packedRows) {
    ColumnFamilyHandle cf = table(table);
    int width = layout.width(table);
    if (count > ids.length || (long) count * width > packedRows.length) {
      throw new IllegalArgumentException(
          count
              + " rows of width "
              + width
              + " need "
              + (long) count * width
              + " floats, got "
              + packedRows.length);
    }
    // One key and one value buffer for all rows: WriteBatch.put copies both into the batch.
    ByteBuffer value = ByteBuffer.allocate(width * 4).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer floats = value.asFloatBuffer();
    byte[] k = new byte[8];
    try (WriteBatch batch = new WriteBatch()) {
      for (int i = 0; i < count; i++) {
        floats.clear();
        floats.put(packedRows, i * width, width);
        writeKey(ids[i], k);
        batch.put(cf, k, value.array());
      }
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new StateStoreException("putRows(" + table + ") failed: " + e, e);
    }
  }

  /** Reads row {@code id} of {@code table} into {@code dst}; returns false if it is absent. */
  public boolean getRow(String table, long id, float[] dst) {
    ColumnFamilyHandle cf = table(table);
    try {
      byte[] v = db.get(cf, key(id));
      if (v == null) {
        return false;
      }
      decodeRow(table, id, v, dst);
      return true;
    } catch (RocksDBException e) {
      throw new StateStoreException("getRow(" + table + ", " + id + ") failed: " + e, e);
    }
  }

  /** Row {@code id} of {@code table} as a new array, or null if absent. */
  public float[] getRow(String table, long id) {
    float[] row = new float[layout.width(table)];
    return getRow(table, id, row) ? row : null;
  }

  /**
   * Calls {@code visitor} for every row of {@code table} in id order (non-negative ids ascending).
   * The row array is reused between calls: copy it to keep it.
   */
  public void forEachRow(String table, RowVisitor visitor) {
    ColumnFamilyHandle cf = table(table);
    int width = layout.width(table);
    float[] row = new float[width];
    // Direct buffers: no byte[] per key and value, which halves the cost of a full scan.
    ByteBuffer keyBuf = ByteBuffer.allocateDirect(8);
    ByteBuffer valueBuf = ByteBuffer.allocateDirect(width * 4).order(ByteOrder.LITTLE_ENDIAN);
    java.nio.FloatBuffer floats = valueBuf.asFloatBuffer();
    try (ReadOptions ro = new ReadOptions().setReadaheadSize(4L << 20).setFillCache(false);
        RocksIterator it = db.newIterator(cf, ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        keyBuf.clear();
        int keyLength = it.key(keyBuf);
        if (keyLength != 8) {
          throw new CorruptDataException(table + ": row key of " + keyLength + " bytes");
        }
        long id = keyBuf.getLong(0);
        valueBuf.clear();
        int valueLength = it.value(valueBuf);
        if (valueLength != width * 4) {
          throw new CorruptDataException(
              table + " row " + id + " has " + valueLength + " bytes, expected " + width * 4);
        }
        floats.get(0, row);
        visitor.visit(id, row);
      }
      it.status();
    } catch (RocksDBException e) {
      throw new StateStoreException("forEachRow(" + table + ") failed: " + e, e);
    }
  }

  /** Deletes rows (e.g. expired ids); absent ids are ignored. */
  public void deleteRows(String table, long[] ids) {
    ColumnFamilyHandle cf = table(table);
    try (WriteBatch batch = new WriteBatch()) {
      for (long id : ids) {
        batch.delete(cf, key(id));
      }
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new StateStoreException("deleteRows(" + table + ") failed: " + e, e);
    }
  }

  /** Stores a dense parameter block (MLP weights, projection) under {@code name}. */
  public void putDense(String name, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    put(denseCf, name.getBytes(StandardCharsets.UTF_8), b.array());
  }

  /** The dense parameter block {@code name}, or null. */
  public float[] getDense(String name) {
    byte[] v = get(denseCf, name.getBytes(StandardCharsets.UTF_8));
    return v == null ? null : toFloats(v);
  }

  /** All dense parameter blocks, by name. */
  public Map<String, float[]> allDense() {
    Map<String, float[]> out = new LinkedHashMap<>();
    try (RocksIterator it = db.newIterator(denseCf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(new String(it.key(), StandardCharsets.UTF_8), toFloats(it.value()));
      }
    }
    return out;
  }

  /** Stores metadata (e.g. model version, epoch); keys starting with "__" are reserved. */
  public void putMeta(String key, byte[] value) {
    if (key.startsWith("__")) {
      throw new IllegalArgumentException("meta keys starting with '__' are reserved: " + key);
    }
    put(metaCf, key.getBytes(StandardCharsets.UTF_8), value);
  }

  public byte[] getMeta(String key) {
    return get(metaCf, key.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes all memtables to SST files and waits. */
  public void flush() {
    if (readOnly) {
      return;
    }
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, handles);
    } catch (RocksDBException e) {
      throw new StateStoreException("flush failed: " + e, e);
    }
  }

  /**
   * Flushes and creates a RocksDB checkpoint in {@code target} (which must not exist): SST files
   * are hard-linked where the file system allows, so this is cheap whatever the store's size.
   */
  public void checkpoint(Path target) {
    flush();
    try (Checkpoint cp = Checkpoint.create(db)) {
      Files.createDirectories(target.toAbsolutePath().getParent());
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException | IOException e) {
      throw new StateStoreException("checkpoint to " + target + " failed: " + e, e);
    }
  }

  /** RocksDB's estimate of the number of rows of {@code table}. */
  public long estimateRows(String table) {
    try {
      return db.getLongProperty(table(table), "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      throw new StateStoreException("estimateRows(" + table + ") failed: " + e, e);
    }
  }

  @Override
  public void close() {
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    dbOptions.close();
    if (rateLimiter != null) {
      rateLimiter.close();
    }
    writeOptions.close();
    cfOptions.close();
    deleteQuietly(logDir);
  }

  /** Receives the rows of a table. */
  @FunctionalInterface
  public interface RowVisitor {
    void visit(long id, float[] row);
  }

  private ModelStoreLayout reconcileLayout(ModelStoreLayout requested) throws RocksDBException {
    byte[] stored = db.get(metaCf, LAYOUT_KEY);
    ModelStoreLayout old = stored == null ? null : ModelStoreLayout.decode(stored);
    if (requested == null) {
      if (old == null) {
        throw new CorruptDataException("model store at " + dir + " has no layout record");
      }
      return old;
    }
    ModelStoreLayout.Builder merged = ModelStoreLayout.builder();
    if (old != null) {
      old.widths().forEach(merged::addTable);
    }
    for (Map.Entry<String, Integer> e : requested.widths().entrySet()) {
      Integer was = old == null ? null : old.widths().get(e.getKey());
      if (was == null) {
        merged.addTable(e.getKey(), e.getValue());
      } else if (!was.equals(e.getValue())) {
        throw new StateStoreException(
            "table '"
                + e.getKey()
                + "' has width "
                + was
                + " in the store at "
                + dir
                + " but "
                + e.getValue()
                + " was requested");
      }
    }
    ModelStoreLayout result = merged.build();
    if (!result.equals(old)) {
      db.put(metaCf, writeOptions, LAYOUT_KEY, result.encode());
    }
    return result;
  }

  private ColumnFamilyHandle table(String table) {
    ColumnFamilyHandle cf = tableHandles.get(table);
    if (cf == null) {
      throw new IllegalArgumentException(
          "unknown table '" + table + "'; tables: " + layout.widths().keySet());
    }
    return cf;
  }

  private void decodeRow(String table, long id, byte[] v, float[] dst) {
    int width = layout.width(table);
    if (v.length != width * 4) {
      throw new CorruptDataException(
          table + " row " + id + " has " + v.length + " bytes, expected " + width * 4);
    }
    ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, 0, width);
  }

  private void put(ColumnFamilyHandle cf, byte[] key, byte[] value) {
    try {
      db.put(cf, writeOptions, key, value);
    } catch (RocksDBException e) {
      throw new StateStoreException("put failed: " + e, e);
    }
  }

  private byte[] get(ColumnFamilyHandle cf, byte[] key) {
    try {
      return db.get(cf, key);
    } catch (RocksDBException e) {
      throw new StateStoreException("get failed: " + e, e);
    }
  }

  private static float[] toFloats(byte[] v) {
    if (v.length % 4 != 0) {
      throw new CorruptDataException("dense value of " + v.length + " bytes");
    }
    float[] out = new float[v.length / 4];
    ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  static byte[] key(long id) {
    byte[] k = new byte[8];
    writeKey(id, k);
    return k;
  }

  /** The key of row {@code id}: its 8 bytes, big-endian. */
  private static void writeKey(long id, byte[] k) {
    for (int i = 0; i < 8; i++) {
      k[i] = (byte) (id >>> (56 - 8 * i));
    }
  }

  static long readKey(byte[] k) {
    if (k.length != 8) {
      throw new CorruptDataException("row key of " + k.length + " bytes");
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (k[i] & 0xFF);
    }
    return v;
  }

  private static List<String> listColumnFamilies(Path dir) throws RocksDBException {
    if (!Files.exists(dir.resolve("CURRENT"))) {
      return List.of();
    }
    try (Options o = new Options()) {
      List<String> out = new ArrayList<>();
      for (byte[] n : RocksDB.listColumnFamilies(o, dir.toString())) {
        out.add(new String(n, StandardCharsets.UTF_8));
      }
      return out;
    }
  }

  private static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temporary log directory is harmless
    }
  }
}
