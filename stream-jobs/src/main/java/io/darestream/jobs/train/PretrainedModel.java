package io.darestream.jobs.train;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.state.io.Fs;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.SnapshotWriter;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The model a fresh trainer starts from ({@code dare.trainer.initial-snapshot}): {@code pretrain}
 * writes it as a snapshot in the format serving reads ({@link #write}), and the trainer loads it
 * verified (manifest, sizes, SHA-256 of every file; {@link #load}). Every loaded row is marked
 * changed, so the trainer's first checkpoint stores the whole model and its first publish sends it
 * to serving.
 */
public final class PretrainedModel {
  /** Epoch of a pretrained snapshot: below every epoch a job publishes under (they start at 1). */
  public static final long EPOCH = 0;

  private PretrainedModel() {}

  /**
   * Writes {@code model} as a snapshot under {@code root}: the whole model into a fresh store, a
   * RocksDB checkpoint of it, published by the state module's writer (temporary name, then rename;
   * a manifest with the config and checksums).
   *
   * @param metrics extra manifest metrics (e.g. samples trained, the pretraining AUC)
   * @return the snapshot directory
   */
  public static Path write(DareModel model, String modelId, Path root, Map<String, Double> metrics)
      throws IOException {
    Path work = Files.createTempDirectory("dare-pretrained-");
    try {
      Path checkpoint = work.resolve("checkpoint");
      try (ModelStore store =
          ModelStore.open(work.resolve("store"), ModelStoreSync.layout(model))) {
        ModelStoreSync.writeAll(model, store, modelId, EPOCH);
        store.checkpoint(checkpoint);
      }
      SnapshotMetadata.Builder meta =
          SnapshotMetadata.builder()
              .setModelId(modelId)
              .setEpoch(EPOCH)
              .setVersion(model.version())
              .setCheckpointId(0)
              .optModelConfig(model.config().toProperties());
      metrics.forEach(meta::putMetric);
      Files.createDirectories(root);
      return new SnapshotWriter(root, 1).publish(meta.build(), checkpoint);
    } finally {
      Fs.deleteTree(work);
    }
  }

  /**
   * @param location a snapshot directory, or a directory of snapshots (the newest valid is taken)
   * @param expected the job's model config; the snapshot's must be the same
   * @throws IllegalArgumentException if there is no valid snapshot there or its config differs
   * @throws io.darestream.state.snapshot.SnapshotRejectedException if the snapshot is corrupt
   */
  public static DareModel load(Path location, DareConfig expected) {
    VerifiedSnapshot snapshot = verified(location, expected);
    DareModel model = DareModel.create(expected);
    try (ModelStore store = snapshot.openStore()) {
      ModelStoreSync.loadInto(model, store);
    }
    model.setVersion(snapshot.manifest().version());
    model.withoutWriters(
        () ->
            model
                .tables()
                .forEach(
                    t -> {
                      long[] ids = t.ids();
                      t.dirty().markAll(ids, ids.length);
                    }));
    return model;
  }

  /**
   * The snapshot at {@code location}, verified (manifest, sizes, SHA-256 of every file) and checked
   * to hold a model of the job's config: what {@link #load} reads, for readers that take only a
   * part of it (the sharded stage's row owners, its dense averager).
   *
   * @param location a snapshot directory, or a directory of snapshots (the newest valid is taken)
   * @param expected the job's model config; the snapshot's must be the same
   * @throws IllegalArgumentException if there is no valid snapshot there or its config differs
   * @throws io.darestream.state.snapshot.SnapshotRejectedException if the snapshot is corrupt
   */
  public static VerifiedSnapshot verified(Path location, DareConfig expected) {
    VerifiedSnapshot snapshot = find(location);
    DareConfig config = DareConfig.fromProperties(snapshot.manifest().modelConfig());
    if (!config.equals(expected)) {
      throw new IllegalArgumentException(
          "the initial snapshot "
              + snapshot.directory()
              + " was trained with another model config than the job's: "
              + config
              + " vs "
              + expected
              + " (pass the same dare.model.* options to both)");
    }
    return snapshot;
  }

  /**
   * The epoch of the snapshot at {@code location} (what {@link #verified} would take), from its
   * manifest alone: a trainer that starts from it publishes under a newer epoch, so that serving
   * prefers what it trains to the snapshot and to whatever the snapshot's job published.
   *
   * @throws IllegalArgumentException if there is no snapshot there
   */
  public static long epochOf(Path location) {
    if (Files.exists(location.resolve("MANIFEST"))) {
      return SnapshotReader.readManifest(location).epoch();
    }
    return find(location).manifest().epoch();
  }

  private static VerifiedSnapshot find(Path location) {
    if (Files.exists(location.resolve("MANIFEST"))) {
      return SnapshotReader.verify(location);
    }
    if (!Files.isDirectory(location)) {
      throw new IllegalArgumentException("initial snapshot " + location + " does not exist");
    }
    return SnapshotReader.findNewestValid(location)
        .snapshot()
        .orElseThrow(() -> new IllegalArgumentException("no valid snapshot under " + location));
  }
}
