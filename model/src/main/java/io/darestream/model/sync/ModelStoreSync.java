package io.darestream.model.sync;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.state.model.ModelStore;
import io.darestream.state.model.ModelStoreLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Moves a {@link DareModel} to and from the durable {@link ModelStore}: full rows (weights and
 * optimizer slots), dense parameters with their optimizer state, and the metadata a restore needs
 * (config, version, epoch). Shared by the trainer (flush before a checkpoint, load on restore) and
 * serving (load a snapshot).
 */
public final class ModelStoreSync {
  // Tables from this many (estimated) rows load on a thread of their own, at most two at once.
  private static final long PARALLEL_LOAD_ROWS = 100_000;
  private static final int PARALLEL_LOADS = 2;

  /** Metadata key of the model config ({@link DareConfig#toProperties()}). */
  public static final String META_CONFIG = "model.config";

  /** Metadata key of the model version (8 bytes big-endian). */
  public static final String META_VERSION = "model.version";

  /** Metadata key of the trainer epoch (8 bytes big-endian). */
  public static final String META_EPOCH = "model.epoch";

  /** Metadata key of the model id (UTF-8). */
  public static final String META_MODEL_ID = "model.id";

  /** Rows copied, then written, per slice of {@link #writeAll}. */
  private static final int WRITE_ALL_SLICE = 16 * ModelChanges.CHUNK_ROWS;

  private ModelStoreSync() {}

  /** The store layout of {@code model}: one table per embedding table, full row width. */
  public static ModelStoreLayout layout(DareModel model) {
    ModelStoreLayout.Builder b = ModelStoreLayout.builder();
    for (EmbeddingTable t : model.tables()) {
      b.addTable(t.name(), t.rowWidth());
    }
    return b.build();
  }

  /**
   * Writes the rows changed since the last flush (drains every table's flush tracker; rows that no
   * longer exist are deleted), all dense blocks and the metadata.
   *
   * @return the number of embedding rows written or deleted
   */
  public static int flushChanges(DareModel model, ModelStore store, String modelId, long epoch) {
    return captureChanges(model, modelId, epoch).writeTo(store);
  }

  /**
   * Copies the rows changed since the last flush (draining every table's flush tracker), all dense
   * blocks and the metadata, so that they can be written to a store later, on any thread, while
   * {@code model} changes on.
   */
  public static ModelChanges captureChanges(DareModel model, String modelId, long epoch) {
    return captureChanges(model, modelId, epoch, null);
  }

  /**
   * As {@link #captureChanges(DareModel, String, long)}, with row buffers taken from {@code pool}
   * (null: new arrays); {@link ModelChanges#release()} gives them back once written.
   */
  public static ModelChanges captureChanges(
      DareModel model, String modelId, long epoch, RowChunkPool pool) {
    return model.withoutWriters(
        () -> {
          List<ModelChanges.TableChanges> tables = new ArrayList<>();
          for (EmbeddingTable t : model.tables()) {
            tables.add(copyRows(t, t.dirty().drainSinceFlush(), pool));
          }
          return copyDenseAndMeta(model, tables, pool, modelId, epoch);
        });
  }

  /**
   * Writes every row of the model (not only changed ones), dense blocks and metadata. Rows go out a
   * slice at a time through the same few buffers, so a model of millions of rows is never copied
   * whole.
   */
  public static void writeAll(DareModel model, ModelStore store, String modelId, long epoch) {
    model.withoutWriters(
        () -> {
          RowChunkPool buffers = new RowChunkPool();
          for (EmbeddingTable t : model.tables()) {
            t.dirty().drainSinceFlush();
            long[] ids = t.ids();
            for (int from = 0; from < ids.length; from += WRITE_ALL_SLICE) {
              long[] slice =
                  Arrays.copyOfRange(ids, from, Math.min(ids.length, from + WRITE_ALL_SLICE));
              ModelChanges.TableChanges rows = copyRows(t, slice, buffers);
              rows.writeTo(store);
              rows.release(buffers);
            }
          }
          copyDenseAndMeta(model, List.of(), null, modelId, epoch).writeTo(store);
        });
  }

  /**
   * Creates a model from a store written by {@link #flushChanges} or {@link #writeAll}: the config
   * is read from the store's metadata.
   *
   * @throws IllegalStateException if the store has no model metadata
   */
  public static DareModel load(ModelStore store) {
    DareModel model = DareModel.create(config(store));
    loadInto(model, store);
    model.setVersion(readLong(store, META_VERSION));
    return model;
  }

  /**
   * Writes every row and dense block held by {@code store} into {@code model}, which must have the
   * store's config (serving reads the config from a snapshot's manifest). Tables the store does not
   * have yet are left as they are: their ids read as initial values.
   *
   * @return the number of embedding rows loaded
   */
  public static long loadInto(DareModel model, ModelStore store) {
    long[] rows = {0};
    model.exclusive(
        () -> {
          // Tables are independent (each its own column family and arrays): the large ones load
          // side by side, one thread each.
          List<EmbeddingTable> stored =
              model.tables().stream()
                  .filter(t -> store.layout().widths().containsKey(t.name()))
                  .toList();
          // Threads per load, not a static pool: inside Flink a static pool would outlive the job
          // and pin its class loader.
          ExecutorService loaders =
              Executors.newFixedThreadPool(
                  PARALLEL_LOADS,
                  r -> {
                    Thread t = new Thread(r, "dare-model-load");
                    t.setDaemon(true);
                    return t;
                  });
          List<CompletableFuture<Long>> loads = new ArrayList<>();
          try {
            for (EmbeddingTable t : stored) {
              long estimate = store.estimateRows(t.name());
              if (estimate >= PARALLEL_LOAD_ROWS && loads.size() < PARALLEL_LOADS) {
                loads.add(
                    CompletableFuture.supplyAsync(() -> loadTable(t, store, estimate), loaders));
              } else {
                rows[0] += loadTable(t, store, estimate);
              }
            }
            for (CompletableFuture<Long> f : loads) {
              rows[0] += joinLoad(f);
            }
          } finally {
            // Whatever failed, no loader may still read the store when the caller closes it.
            for (CompletableFuture<Long> f : loads) {
              f.handle((n, e) -> n).join();
            }
            loaders.shutdown();
          }
          for (Map.Entry<String, float[]> e : store.allDense().entrySet()) {
            model.writeDense(new DenseBlock(e.getKey(), e.getValue()));
          }
        });
    return rows[0];
  }

  private static long joinLoad(CompletableFuture<Long> load) {
    try {
      return load.join();
    } catch (CompletionException e) {
      // The loader's own exception (e.g. a corrupt store), as if it had been thrown here.
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  private static long loadTable(EmbeddingTable t, ModelStore store, long estimate) {
    t.ensureCapacity(t.size() + presizeRows(t, estimate));
    long[] n = {0};
    store.forEachRow(
        t.name(),
        (id, row) -> {
          t.writeRow(id, row);
          n[0]++;
        });
    return n[0];
  }

  /**
   * Rows to reserve before loading a table: RocksDB's estimate of its key count, which can count a
   * key rewritten in several levels more than once, so capped at a quarter of the free heap.
   */
  private static int presizeRows(EmbeddingTable t, long estimate) {
    Runtime rt = Runtime.getRuntime();
    long freeHeap = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    // Weights and optimizer slots, id and last-update longs, two index longs at load factor 1/2.
    long bytesPerRow = 4L * t.rowWidth() + 16 + 32;
    return (int)
        Math.max(
            0, Math.min(estimate, Math.min(Integer.MAX_VALUE / 2, freeHeap / 4 / bytesPerRow)));
  }

  /** The model config stored in {@code store}. */
  public static DareConfig config(ModelStore store) {
    byte[] config = store.getMeta(META_CONFIG);
    if (config == null) {
      throw new IllegalStateException(
          "store " + store.directory() + " holds no model (metadata " + META_CONFIG + " missing)");
    }
    return DareConfig.fromProperties(new String(config, StandardCharsets.UTF_8));
  }

  /** The trainer epoch stored in {@code store}, 0 if none. */
  public static long epoch(ModelStore store) {
    return readLong(store, META_EPOCH);
  }

  /** The model id stored in {@code store}, or null. */
  public static String modelId(ModelStore store) {
    byte[] id = store.getMeta(META_MODEL_ID);
    return id == null ? null : new String(id, StandardCharsets.UTF_8);
  }

  private static ModelChanges.TableChanges copyRows(
      EmbeddingTable t, long[] ids, RowChunkPool pool) {
    ModelChanges.TableCollector rows =
        new ModelChanges.TableCollector(t.name(), t.rowWidth(), pool);
    long[] deleted = new long[ids.length];
    int deletedCount = 0;
    for (long id : ids) {
      if (t.readRow(id, rows.packed(), rows.offset())) {
        rows.commit(id);
      } else {
        deleted[deletedCount++] = id;
      }
    }
    return rows.finish(Arrays.copyOf(deleted, deletedCount));
  }

  private static ModelChanges copyDenseAndMeta(
      DareModel model,
      List<ModelChanges.TableChanges> tables,
      RowChunkPool pool,
      String modelId,
      long epoch) {
    List<DenseBlock> dense = new ArrayList<>(model.dense().blocks());
    dense.addAll(model.dense().optimizerBlocks());
    return new ModelChanges(
        tables, pool, dense, model.config().toProperties(), model.version(), epoch, modelId);
  }

  private static long readLong(ModelStore store, String key) {
    byte[] b = store.getMeta(key);
    return b == null ? 0L : ByteBuffer.wrap(b).getLong();
  }
}
