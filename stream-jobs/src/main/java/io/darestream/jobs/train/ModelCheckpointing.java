package io.darestream.jobs.train;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.state.checkpoint.CheckpointExporter;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's durable side (DESIGN.md §5): the RocksDB model store in a local working directory,
 * its checkpoints exported incrementally to checkpoint storage, and snapshots for serving published
 * once Flink confirms a checkpoint.
 *
 * <p>Life cycle per checkpoint: {@link #checkpoint} (in {@code snapshotState}: flush changed rows,
 * RocksDB checkpoint, incremental export) then {@link #publish} (in {@code
 * notifyCheckpointComplete}: the same local checkpoint becomes a snapshot; older exports that no
 * restore can need any more are deleted). Not thread-safe: driven by the operator's task thread.
 */
public final class ModelCheckpointing implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCheckpointing.class);
  private final Path workDir;
  private final CheckpointExporter exporter;
  private final SnapshotWriter snapshots;
  private final NavigableMap<Long, Pending> pending = new TreeMap<>();
  private ModelStore store;

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
    this.snapshots = new SnapshotWriter(snapshotRoot, snapshotRetention);
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create trainer work dir " + workDir, e);
    }
  }

  /** Opens an empty working store for a new model. */
  public void start(DareModel model) {
    store = ModelStore.open(workDir.resolve("store"), ModelStoreSync.layout(model));
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
    store = ModelStore.open(dir, ModelStoreSync.layout(DareModel.create(config)));
    DareModel model = ModelStoreSync.load(store);
    synchronized (model) {
      model.tables().forEach(t -> t.dirty().markAllForPublish(t.ids()));
    }
    return model;
  }

  /**
   * Flushes the model's changed rows, takes a RocksDB checkpoint and exports it as {@code
   * checkpointId}. The local checkpoint is kept until {@link #publish} or a newer confirmation.
   */
  public ExportResult checkpoint(
      long checkpointId, DareModel model, String modelId, long epoch, SnapshotMetadata metadata) {
    long t0 = System.nanoTime();
    int rows = ModelStoreSync.flushChanges(model, store, modelId, epoch);
    long t1 = System.nanoTime();
    Path local = workDir.resolve("checkpoint-" + checkpointId);
    if (Files.exists(local)) {
      deleteTree(local); // a retried checkpoint id after a failed attempt
    }
    store.checkpoint(local);
    long t2 = System.nanoTime();
    ExportResult result = exporter.export(checkpointId, local);
    // The trainer trains nothing meanwhile: this is what a checkpoint costs freshness.
    LOG.info(
        "Checkpoint {}: flushed {} rows in {} ms, RocksDB checkpoint {} ms, export {} ms ({} files"
            + " copied, {} bytes; {} reused)",
        checkpointId,
        rows,
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
   * Publishes confirmed checkpoint {@code checkpointId} as a snapshot and forgets older pending
   * checkpoints. Returns null if this instance did not take that checkpoint (e.g. it was restored
   * from it).
   */
  public Published publish(long checkpointId) {
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
    return published;
  }

  public Path exportRoot() {
    return exporter.root();
  }

  @Override
  public void close() {
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
