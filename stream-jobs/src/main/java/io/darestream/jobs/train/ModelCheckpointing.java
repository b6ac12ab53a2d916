package io.darestream.jobs.train;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelChanges;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.model.sync.RowChunkPool;
import io.darestream.state.checkpoint.CheckpointExporter;
import io.darestream.state.checkpoint.EpochLedger;
import io.darestream.state.checkpoint.ExportResult;
import io.darestream.state.io.Fs;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotManifest;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.SnapshotWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's durable side (DESIGN.md §5): the RocksDB model store in a local working directory,
 * its checkpoints exported incrementally to checkpoint storage, and snapshots for serving published
 * once Flink confirms a checkpoint.
 *
 * <p>Life cycle per checkpoint: {@link #checkpoint} (in {@code snapshotState}: copy the changed
 * rows, then write them, take a RocksDB checkpoint and export it incrementally) then {@link
 * #publish} (in {@code notifyCheckpointComplete}: the same local checkpoint becomes a snapshot;
 * older exports that no restore can need any more are deleted).
 *
 * <p>Threads: only the copy stops training. Everything that touches the store, the exports or the
 * snapshots runs, in call order, on one background thread of this instance, so the trainer trains
 * on while a checkpoint is written; the returned futures say when each step is done. Callers drive
 * this class from one thread (the operator's task thread).
 */
public final class ModelCheckpointing implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCheckpointing.class);

  // Flush and compaction writes of the working store: spreads its periodic full compactions
  // (every few checkpoints, tens of MB) over seconds instead of a burst beside training.
  private static final long BACKGROUND_BYTES_PER_SECOND = 24L << 20;
  private final Path workDir;
  private final CheckpointExporter exporter;
  private final EpochLedger epochs;
  private final SnapshotWriter snapshots;
  // Only touched on the background thread (or before it starts, in start and restore).
  private final NavigableMap<Long, Pending> pending = new TreeMap<>();
  private final ExecutorService background;
  private final RowChunkPool rowBuffers = new RowChunkPool();
  private ModelStore store;
  // The first background failure. A failed write leaves rows drained from the dirty trackers but
  // not stored, so no later checkpoint may complete on top of it: every one fails from then on.
  private volatile RuntimeException backgroundFailure;

  /** A checkpoint taken but not yet confirmed by Flink. */
  private record Pending(Path localCheckpoint, SnapshotMetadata metadata) {}

  /** A snapshot published for serving. */
  public record Published(Path directory, String manifestSha256, SnapshotManifest manifest) {}

  /**
   * @param workDir local directory for the working store (created; owned by this instance)
   * @param exportRoot where checkpoints are exported: durable storage that survives the task
   * @param snapshotRoot where snapshots for serving are published
   * @param snapshotRetention how many snapshots to keep
   */
  public ModelCheckpointing(
      Path workDir, Path exportRoot, Path snapshotRoot, int snapshotRetention) {
    this.workDir = workDir;
    this.exporter = new CheckpointExporter(exportRoot);
    this.epochs = new EpochLedger(exportRoot);
    this.snapshots = new SnapshotWriter(snapshotRoot, snapshotRetention);
    this.background =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "dare-model-checkpoint");
              t.setDaemon(true);
              return t;
            });
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create trainer work dir " + workDir, e);
    }
  }

  /**
   * Begins this attempt's epoch: greater than {@code after} (the restored checkpoint's epoch, the
   * newest published one) and than every epoch begun before under this export root, and recorded
   * there durably before it returns, so that an attempt that fails before its first checkpoint
   * still uses its epoch up. Call it before the first delta of the attempt.
   */
  public long beginEpoch(long after) {
    return epochs.begin(after);
  }

  /** Opens an empty working store for a new model. */
  public void start(DareModel model) {
    store =
        ModelStore.open(
            workDir.resolve("store"), ModelStoreSync.layout(model), BACKGROUND_BYTES_PER_SECOND);
  }

  /**
   * Rebuilds the working store from exported checkpoint {@code checkpointId} and loads the model
   * from it; the loaded model has every row marked for the next publish, so that serving converges
   * on the restored state.
   */
  public DareModel restore(long checkpointId) {
    Path dir = exporter.restore(checkpointId, workDir.resolve("restored-" + checkpointId));
    DareConfig config;
    try (ModelStore readOnly = ModelStore.openReadOnly(dir)) {
      config = ModelStoreSync.config(readOnly);
    }
    store =
        ModelStore.open(
            dir, ModelStoreSync.layout(DareModel.create(config)), BACKGROUND_BYTES_PER_SECOND);
    DareModel model = ModelStoreSync.load(store);
    model.withoutWriters(() -> model.tables().forEach(t -> t.dirty().markAllForPublish(t.ids())));
    return model;
  }

  /**
   * Copies the model's changed rows (on the caller's thread, with the model locked), then writes
   * them, takes a RocksDB checkpoint and exports it as {@code checkpointId} on the background
   * thread. The local checkpoint is kept until {@link #publish} or a newer confirmation.
   *
   * @return completes when the export is durable; fails if writing, checkpointing or exporting did
   * @throws RuntimeException the failure of an earlier background checkpoint or {@link #publish}
   */
  public CompletableFuture<ExportResult> checkpoint(
      long checkpointId, DareModel model, String modelId, long epoch, SnapshotMetadata metadata) {
    RuntimeException failed = backgroundFailure;
    if (failed != null) {
      throw failed;
    }
    long t0 = System.nanoTime();
    ModelChanges changes = ModelStoreSync.captureChanges(model, modelId, epoch, rowBuffers);
    long copyMs = (System.nanoTime() - t0) / 1_000_000;
    return CompletableFuture.supplyAsync(
            () -> persist(checkpointId, changes, metadata, copyMs), background)
        .whenComplete((r, e) -> recordFailure(e, "checkpoint " + checkpointId));
  }

  private void recordFailure(Throwable e, String what) {
    if (e != null && backgroundFailure == null) {
      backgroundFailure = new IllegalStateException(what + " failed in the background", e);
    }
  }

  private ExportResult persist(
      long checkpointId, ModelChanges changes, SnapshotMetadata metadata, long copyMs) {
    long t0 = System.nanoTime();
    int rows = changes.writeTo(store);
    changes.release();
    long t1 = System.nanoTime();
    Path local = workDir.resolve("checkpoint-" + checkpointId);
    if (Files.exists(local)) {
      deleteTree(local); // a retried checkpoint id after a failed attempt
    }
    store.checkpoint(local);
    long t2 = System.nanoTime();
    ExportResult result = exporter.export(checkpointId, local);
    // Only the copy stopped the trainer; the rest ran beside it.
    LOG.info(
        "Checkpoint {}: copied {} rows in {} ms (trainer stopped), then wrote them in {} ms,"
            + " RocksDB checkpoint {} ms, export {} ms ({} files copied, {} bytes; {} reused)",
        checkpointId,
        rows,
        copyMs,
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        (System.nanoTime() - t2) / 1_000_000,
        result.filesCopied(),
        result.bytesCopied(),
        result.filesReused());
    pending.put(checkpointId, new Pending(local, metadata));
    return result;
  }

  /**
   * Publishes confirmed checkpoint {@code checkpointId} as a snapshot, hands it to {@code announce}
   * and forgets older pending checkpoints, all on the background thread. Nothing is published or
   * announced if this instance did not take that checkpoint (e.g. it was restored from it). A
   * failure is also rethrown by the next {@link #checkpoint}, so that it fails the task.
   */
  public CompletableFuture<Published> publish(long checkpointId, Consumer<Published> announce) {
    return CompletableFuture.supplyAsync(
            () -> {
              Published published = publishNow(checkpointId);
              if (published != null) {
                announce.accept(published);
              }
              return published;
            },
            background)
        .whenComplete(
            (published, e) ->
                recordFailure(e, "publishing the snapshot of checkpoint " + checkpointId));
  }

  private Published publishNow(long checkpointId) {
    long t0 = System.nanoTime();
    Pending p = pending.get(checkpointId);
    Published published = null;
    if (p != null) {
      Path dir = snapshots.publish(p.metadata(), p.localCheckpoint());
      published =
          new Published(dir, sha256(dir.resolve("MANIFEST")), SnapshotReader.readManifest(dir));
    }
    List<Long> keep = new ArrayList<>();
    keep.add(checkpointId);
    Iterator<Map.Entry<Long, Pending>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Pending> e = it.next();
      if (e.getKey() <= checkpointId) {
        deleteTree(e.getValue().localCheckpoint());
        it.remove();
      } else {
        keep.add(e.getKey());
      }
    }
    // Flink restores from the newest confirmed checkpoint (or a newer one in flight): exports
    // older than this confirmation can no longer be needed.
    exporter.retain(keep);
    if (published != null) {
      LOG.info(
          "Checkpoint {} published as {} in {} ms",
          checkpointId,
          published.directory(),
          (System.nanoTime() - t0) / 1_000_000);
    }
    return published;
  }

  public Path exportRoot() {
    return exporter.root();
  }

  /**
   * Waits for the background work already asked for (checkpoints, publishes) to finish, then closes
   * the store and deletes unpublished local checkpoints.
   */
  @Override
  public void close() {
    background.shutdown();
    // The store must not close under a running write: wait, even when interrupted.
    boolean interrupted = false;
    while (true) {
      try {
        if (background.awaitTermination(10, TimeUnit.SECONDS)) {
          break;
        }
        LOG.info("waiting for a model checkpoint or publish to finish before closing the store");
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (store != null) {
      store.close();
      store = null;
    }
    for (Pending p : pending.values()) {
      deleteTree(p.localCheckpoint());
    }
    pending.clear();
  }

  private static String sha256(Path file) {
    try {
      return Fs.sha256(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Deletes {@code dir} recursively, logging instead of failing (used on close). */
  static void deleteQuietly(Path dir) {
    try {
      Fs.deleteTree(dir);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot delete {}: {}", dir, e.toString());
    }
  }

  private static void deleteTree(Path dir) {
    try {
      Fs.deleteTree(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
