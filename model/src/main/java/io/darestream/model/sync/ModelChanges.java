package io.darestream.model.sync;

import io.darestream.model.DenseBlock;
import io.darestream.state.model.ModelStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A copy of what changed in a model since its last flush: full rows (weights and optimizer slots)
 * per table, ids of rows that no longer exist, every dense block and the metadata a restore needs.
 *
 * <p>Taking the copy is the only part of a checkpoint that must stop training; {@link #writeTo} can
 * then run on another thread while the model trains on (see {@link ModelStoreSync#captureChanges}).
 * Immutable once built.
 */
public final class ModelChanges {
  /**
   * Rows per chunk: 256 rows of 144 floats is ~150 KB, well below G1's humongous-object size (half
   * a region, 512 KB at the smallest region size), so chunks never take whole regions.
   */
  static final int CHUNK_ROWS = 256;

  private final List<TableChanges> tables;
  private final RowChunkPool pool;
  private final List<DenseBlock> dense;
  private final String config;
  private final long version;
  private final long epoch;
  private final String modelId;

  /** Changed rows of one table, in chunks of at most {@link #CHUNK_ROWS}. */
  record TableChanges(String table, List<RowChunk> chunks, long[] deleted) {
    int rows() {
      int n = deleted.length;
      for (RowChunk c : chunks) {
        n += c.count();
      }
      return n;
    }

    void writeTo(ModelStore store) {
      for (RowChunk c : chunks) {
        store.putRows(table, c.ids(), c.count(), c.packed());
      }
      if (deleted.length > 0) {
        store.deleteRows(table, deleted);
      }
    }

    /** Hands the row buffers to {@code pool} (if any); this copy must not be used afterwards. */
    void release(RowChunkPool pool) {
      if (pool != null) {
        for (RowChunk c : chunks) {
          pool.give(c.packed());
        }
      }
    }
  }

  /** {@code count} rows: row {@code i} is {@code packed[i * width .. (i + 1) * width)}. */
  record RowChunk(long[] ids, int count, float[] packed) {}

  ModelChanges(
      List<TableChanges> tables,
      RowChunkPool pool,
      List<DenseBlock> dense,
      String config,
      long version,
      long epoch,
      String modelId) {
    this.tables = List.copyOf(tables);
    this.pool = pool;
    this.dense = List.copyOf(dense);
    this.config = Objects.requireNonNull(config, "config");
    this.version = version;
    this.epoch = epoch;
    this.modelId = Objects.requireNonNull(modelId, "modelId");
  }

  /** Embedding rows written or deleted by {@link #writeTo}. */
  public int rows() {
    int n = 0;
    for (TableChanges t : tables) {
      n += t.rows();
    }
    return n;
  }

  /**
   * Writes the rows (deleting those that no longer exist), the dense blocks and the metadata to
   * {@code store}. Touches nothing but the store and this copy, so any one thread may call it.
   *
   * @return the number of embedding rows written or deleted
   */
  public int writeTo(ModelStore store) {
    for (TableChanges t : tables) {
      t.writeTo(store);
    }
    for (DenseBlock b : dense) {
      store.putDense(b.name(), b.values());
    }
    store.putMeta(ModelStoreSync.META_CONFIG, config.getBytes(StandardCharsets.UTF_8));
    store.putMeta(ModelStoreSync.META_VERSION, longBytes(version));
    store.putMeta(ModelStoreSync.META_EPOCH, longBytes(epoch));
    store.putMeta(ModelStoreSync.META_MODEL_ID, modelId.getBytes(StandardCharsets.UTF_8));
    return rows();
  }

  /**
   * Hands the row buffers back to the pool they came from (if any); this copy must not be used
   * afterwards.
   */
  public void release() {
    for (TableChanges t : tables) {
      t.release(pool);
    }
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(Long.BYTES).putLong(v).array();
  }

  /** Collects the changed rows of one table into chunks. */
  static final class TableCollector {
    private final String table;
    private final int width;
    private final RowChunkPool pool;
    private final List<RowChunk> chunks = new ArrayList<>();
    private long[] ids;
    private float[] packed;
    private int count;

    TableCollector(String table, int width, RowChunkPool pool) {
      this.table = table;
      this.width = width;
      this.pool = pool;
    }

    /** A row buffer of {@code width} floats for the next row; {@link #commit} keeps it. */
    float[] packed() {
      if (packed == null) {
        ids = new long[CHUNK_ROWS];
        packed = pool == null ? new float[CHUNK_ROWS * width] : pool.take(CHUNK_ROWS * width);
        count = 0;
      }
      return packed;
    }

    /** Offset of the next row in {@link #packed()}. */
    int offset() {
      return count * width;
    }

    void commit(long id) {
      ids[count++] = id;
      if (count == CHUNK_ROWS) {
        chunks.add(new RowChunk(ids, count, packed));
        packed = null;
      }
    }

    TableChanges finish(long[] deleted) {
      if (packed != null && count > 0) {
        chunks.add(new RowChunk(ids, count, packed));
        packed = null;
      }
      return new TableChanges(table, chunks, deleted);
    }
  }
}
