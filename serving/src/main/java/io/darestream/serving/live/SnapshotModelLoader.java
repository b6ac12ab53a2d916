package io.darestream.serving.live;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotManifest;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.SnapshotRejectedException;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a servable model from a snapshot directory, verified by the state module first (manifest,
 * sizes, SHA-256 of every file): the config from the manifest, then every row of every table and
 * the dense blocks from the snapshot's model store. A refused snapshot is logged with the reason
 * and counted; it never replaces the model being served.
 */
public final class SnapshotModelLoader {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotModelLoader.class);

  private final Path root;
  private final ServingMetrics metrics;

  /**
   * @param root the directory the trainer publishes snapshots into
   */
  public SnapshotModelLoader(Path root, ServingMetrics metrics) {
    this.root = root;
    this.metrics = metrics;
  }

  /**
   * Loads the newest snapshot under the root that verifies; every newer one that does not is logged
   * and counted.
   */
  public Optional<DareModelHandle> loadNewestValid() {
    long start = System.nanoTime();
    SnapshotReader.NewestSnapshot newest = SnapshotReader.findNewestValid(root);
    long verifyMs = (System.nanoTime() - start) / 1_000_000;
    for (SnapshotReader.Rejection r : newest.rejected()) {
      refused(r.directory(), r.reason().name(), r.message());
    }
    if (newest.snapshot().isEmpty()) {
      LOG.warn("No valid snapshot under {}; waiting for one to be announced", root);
      return Optional.empty();
    }
    LOG.info("Verified snapshot {} in {} ms", newest.snapshot().get().directory(), verifyMs);
    try {
      return Optional.of(load(newest.snapshot().get()));
    } catch (SnapshotRejectedException e) {
      refused(e.directory(), e.reason().name(), e.getMessage());
      return Optional.empty();
    }
  }

  /** Verifies and loads the snapshot in {@code dir}; empty (logged, counted) if refused. */
  public Optional<DareModelHandle> load(Path dir) {
    try {
      long start = System.nanoTime();
      VerifiedSnapshot verified = SnapshotReader.verify(dir);
      LOG.info("Verified snapshot {} in {} ms", dir, (System.nanoTime() - start) / 1_000_000);
      return Optional.of(load(verified));
    } catch (SnapshotRejectedException e) {
      refused(dir, e.reason().name(), e.getMessage());
      return Optional.empty();
    }
  }

  /** The manifest of the snapshot in {@code dir} (checked, data files not), or empty if refused. */
  public Optional<SnapshotManifest> manifest(Path dir) {
    try {
      return Optional.of(SnapshotReader.readManifest(dir));
    } catch (SnapshotRejectedException e) {
      return Optional.empty();
    }
  }

  private DareModelHandle load(VerifiedSnapshot snapshot) {
    SnapshotManifest m = snapshot.manifest();
    long start = System.nanoTime();
    DareConfig config;
    try {
      config = DareConfig.fromProperties(m.modelConfig());
    } catch (RuntimeException e) {
      throw new SnapshotRejectedException(
          snapshot.directory(),
          SnapshotRejectedException.Reason.CORRUPT,
          "model config in the manifest does not parse: " + e.getMessage());
    }
    DareModel model = DareModel.create(config);
    long rows;
    try (ModelStore store = snapshot.openStore()) {
      rows = ModelStoreSync.loadInto(model, store);
    }
    model.setVersion(m.version());
    LOG.info(
        "Loaded snapshot {} (model {}, epoch {}, version {}, {} rows) in {} ms",
        snapshot.directory(),
        m.modelId(),
        m.epoch(),
        m.version(),
        rows,
        (System.nanoTime() - start) / 1_000_000);
    return new DareModelHandle(
        m.modelId(),
        model,
        new ModelVersion(m.epoch(), m.version()),
        snapshot.directory().toString(),
        m.deltaOffsets());
  }

  private void refused(Path dir, String reason, String message) {
    metrics.snapshotRefused();
    LOG.warn("Refused snapshot {} ({}): {}", dir, reason, message);
  }
}
