package io.darestream.serving.live;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.model.sync.PartSetLoader;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.state.io.Fs;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotManifest;
import io.darestream.state.snapshot.SnapshotPartName;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotPartReader.PartSet;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.SnapshotRejectedException;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a servable model from a snapshot directory, verified by the state module first (manifest,
 * sizes, SHA-256 of every file): the config from the manifest, then every row of every table and
 * the dense blocks from the snapshot's model store. A model trained by the sharded stage comes as
 * sets of parts, one per row owner plus the dense averager's, loaded by model's {@link
 * PartSetLoader} once all parts of a set are there. A refused snapshot or set is logged with the
 * reason and counted; it never replaces the model being served, and never stops start-up.
 */
public final class SnapshotModelLoader {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotModelLoader.class);
  // The state module's SnapshotWriter publishes through directories named so, then renames them.
  private static final String UNFINISHED_PREFIX = ".tmp-";
  // The sharded stage's parts (state's SnapshotPartName), loaded as sets.
  private static final String PART_PREFIX = "part-";

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
   * Loads the newest snapshot under the root that verifies and loads. Every newer one that does not
   * is logged and counted, whatever the failure (a bad manifest or checksum, a store RocksDB cannot
   * open, a config that does not fit its rows): start-up falls back to the previous snapshot rather
   * than stopping.
   */
  public Optional<DareModelHandle> loadNewestValid() {
    // Single snapshots and the sharded stage's complete sets of parts, newest (epoch, checkpoint)
    // first: a deployment has one kind, or moved from the single trainer to the sharded stage.
    List<Candidate> candidates = new ArrayList<>();
    newestFirst().forEach(e -> candidates.add(Candidate.single(e.getKey(), e.getValue())));
    SnapshotPartReader.completeSetsNewestFirst(root).forEach(p -> candidates.add(Candidate.set(p)));
    candidates.sort(Candidate.NEWEST_FIRST);
    for (Candidate c : candidates) {
      Optional<DareModelHandle> model = c.set == null ? load(c.dir) : loadSet(c.set);
      if (model.isPresent()) {
        return model;
      }
    }
    LOG.warn("No valid snapshot under {}; waiting for one to be announced", root);
    return Optional.empty();
  }

  /** Verifies and loads the snapshot in {@code dir}; empty (logged, counted) on any failure. */
  public Optional<DareModelHandle> load(Path dir) {
    try {
      long start = System.nanoTime();
      VerifiedSnapshot verified = SnapshotReader.verify(dir);
      LOG.info("Verified snapshot {} in {} ms", dir, (System.nanoTime() - start) / 1_000_000);
      return Optional.of(load(verified));
    } catch (SnapshotRejectedException e) {
      refused(dir, e.reason().name(), e.getMessage());
    } catch (RuntimeException e) {
      // Verified yet unloadable (RocksDB refuses the store, rows do not fit the config, ...).
      refused(dir, "UNLOADABLE", e.toString());
    }
    return Optional.empty();
  }

  /**
   * Loads a snapshot announced on {@code model-snapshots}. The announced location is not trusted:
   * it must resolve (normalised, symbolic links followed) to a directory under the snapshot root,
   * or, where serving mounts the trainer's directory elsewhere, a directory of the same name under
   * the root must; otherwise the announcement is refused and counted. Its {@code MANIFEST} must be
   * the announced one.
   */
  public Optional<DareModelHandle> loadAnnounced(String location, String manifestSha256) {
    Optional<Path> dir = underRoot(location);
    if (dir.isEmpty()) {
      metrics.snapshotRefused();
      metrics.badRecord("model-snapshots", "location_outside_snapshot_dir");
      LOG.warn("Refused announced snapshot {}: not a snapshot directory under {}", location, root);
      return Optional.empty();
    }
    Optional<SnapshotPartName> part = SnapshotPartName.parse(dir.get().getFileName().toString());
    String sha;
    try {
      sha = Fs.sha256(dir.get().resolve(part.isPresent() ? "PART" : "MANIFEST"));
    } catch (IOException e) {
      sha = "";
    }
    if (!sha.equals(manifestSha256)) {
      refused(
          dir.get(),
          "CORRUPT",
          "its manifest is not the announced one (SHA-256 " + sha + " != " + manifestSha256 + ")");
      return Optional.empty();
    }
    if (part.isPresent()) {
      // One part of a set: the set loads once all of its parts are there (the last part's
      // announcement finds it complete); until then it is waiting, not refused.
      SnapshotPartName.SetKey key = part.get().set();
      Optional<PartSet> set =
          SnapshotPartReader.completeSetsNewestFirst(root).stream()
              .filter(s -> s.key().equals(key))
              .findFirst();
      if (set.isEmpty()) {
        LOG.debug("Announced part {}: its set is not complete yet", dir.get());
        return Optional.empty();
      }
      return loadSet(set.get());
    }
    return load(dir.get());
  }

  /** The real directory {@code location} names under the root, by path or else by name. */
  private Optional<Path> underRoot(String location) {
    Path announced;
    Path realRoot;
    try {
      announced = Path.of(location.startsWith("file:") ? URI.create(location).getPath() : location);
      realRoot = root.toRealPath();
    } catch (IllegalArgumentException | IOException e) {
      return Optional.empty();
    }
    Optional<Path> direct = realDirectoryUnder(announced, realRoot);
    if (direct.isPresent()) {
      return direct;
    }
    Path name = announced.normalize().getFileName();
    return name == null
        ? Optional.empty()
        : realDirectoryUnder(root.resolve(name.toString()), realRoot);
  }

  private static Optional<Path> realDirectoryUnder(Path p, Path realRoot) {
    try {
      Path real = p.toRealPath();
      if (real.startsWith(realRoot) && !real.equals(realRoot) && Files.isDirectory(real)) {
        return Optional.of(real);
      }
    } catch (IOException | SecurityException e) {
      // Missing or unreadable: not a snapshot of ours.
    }
    return Optional.empty();
  }

  /** A single snapshot or a complete set of parts, ordered by (epoch, checkpoint id). */
  private record Candidate(long epoch, long checkpointId, long version, Path dir, PartSet set) {
    static final Comparator<Candidate> NEWEST_FIRST =
        Comparator.comparingLong(Candidate::epoch)
            .thenComparingLong(Candidate::checkpointId)
            .thenComparingLong(Candidate::version)
            .reversed();

    static Candidate single(Path dir, SnapshotManifest m) {
      return new Candidate(m.epoch(), m.checkpointId(), m.version(), dir, null);
    }

    static Candidate set(PartSet set) {
      return new Candidate(set.key().epoch(), set.key().checkpointId(), 0, null, set);
    }
  }

  /**
   * Verifies and loads a complete set of the sharded stage's snapshot parts; empty (logged,
   * counted) if a part fails verification or its content is refused.
   */
  public Optional<DareModelHandle> loadSet(PartSet set) {
    long start = System.nanoTime();
    try {
      List<SnapshotPartReader.VerifiedPart> parts = SnapshotPartReader.verify(set);
      long verified = System.nanoTime();
      PartSetLoader.LoadedSet loaded = PartSetLoader.load(parts);
      LOG.info(
          "Loaded {} (model {}, epoch {}, writers' versions {}, {} rows) in {} ms ({} ms"
              + " verifying)",
          set.key(),
          loaded.modelId(),
          loaded.epoch(),
          loaded.writerVersions(),
          loaded.rows(),
          (System.nanoTime() - start) / 1_000_000,
          (verified - start) / 1_000_000);
      return Optional.of(
          new DareModelHandle(
              loaded.modelId(),
              loaded.model(),
              new ModelVersion(loaded.epoch(), loaded.version()),
              loaded.location(),
              loaded.deltaOffsets(),
              loaded.writerVersions()));
    } catch (SnapshotRejectedException e) {
      refused(e.directory(), e.reason().name(), e.getMessage());
    } catch (RuntimeException e) {
      refused(set.parts().get(0), "UNLOADABLE", e.toString());
    }
    return Optional.empty();
  }

  /**
   * The snapshot directories under the root whose manifests read, with their manifests, newest
   * first; the others (unfinished publishes, broken manifests) are refused here. Parts of the
   * sharded stage's sets are not snapshots of their own and are left to {@link #loadSet}.
   */
  private List<Map.Entry<Path, SnapshotManifest>> newestFirst() {
    List<Path> dirs;
    try (Stream<Path> s = Files.list(root)) {
      dirs = s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      LOG.warn("Cannot list snapshot directory {}: {}", root, e.toString());
      return List.of();
    }
    List<Map.Entry<Path, SnapshotManifest>> candidates = new ArrayList<>();
    for (Path dir : dirs) {
      String name = dir.getFileName().toString();
      if (name.startsWith(PART_PREFIX) || name.startsWith(UNFINISHED_PREFIX + PART_PREFIX)) {
        continue;
      }
      if (name.startsWith(UNFINISHED_PREFIX)) {
        refused(dir, "PARTIAL", "unfinished publish (temporary directory)");
        continue;
      }
      try {
        candidates.add(Map.entry(dir, SnapshotReader.readManifest(dir)));
      } catch (SnapshotRejectedException e) {
        refused(dir, e.reason().name(), e.getMessage());
      }
    }
    candidates.sort((a, b) -> SnapshotManifest.compareAge(b.getValue(), a.getValue()));
    return candidates;
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
