package io.darestream.state.snapshot;

import io.darestream.state.io.Fs;
import io.darestream.state.snapshot.SnapshotRejectedException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Verifies snapshots before anything loads them: the manifest's format, version and checksum, that
 * every listed path stays inside the snapshot, and every file's size and SHA-256.
 */
public final class SnapshotReader {
  private SnapshotReader() {}

  /** A snapshot directory the finder skipped, and why. */
  public record Rejection(Path directory, Reason reason, String message) {}

  /** The newest valid snapshot under a root (if any), and every newer or broken one skipped. */
  public record NewestSnapshot(Optional<VerifiedSnapshot> snapshot, List<Rejection> rejected) {}

  /**
   * Verifies the snapshot in {@code dir}.
   *
   * @throws SnapshotRejectedException if it is partial, corrupt, of an unknown version or unsafe
   */
  public static VerifiedSnapshot verify(Path dir) {
    SnapshotManifest manifest = readManifest(dir);
    verifyFiles(dir, manifest.files(), true);
    return new VerifiedSnapshot(dir, manifest);
  }

  /**
   * Checks that every listed file lies under {@code dir/data/} and has the listed size and SHA-256;
   * with {@code needsCurrent}, that a RocksDB {@code CURRENT} file is among them.
   */
  static void verifyFiles(Path dir, List<SnapshotFile> files, boolean needsCurrent) {
    Path root = dir.toAbsolutePath().normalize();
    Path data = root.resolve(SnapshotWriter.DATA_DIR);
    boolean hasCurrent = false;
    for (SnapshotFile f : files) {
      Path p = root.resolve(f.path()).normalize();
      if (f.path().isEmpty()
          || Path.of(f.path()).isAbsolute()
          || !p.startsWith(data)
          || p.equals(data)) {
        throw new SnapshotRejectedException(
            dir, Reason.UNSAFE_PATH, "manifest names '" + f.path() + "' outside " + data);
      }
      hasCurrent |= p.getFileName().toString().equals("CURRENT");
    }
    if (needsCurrent && !hasCurrent) {
      throw new SnapshotRejectedException(dir, Reason.PARTIAL, "manifest lists no CURRENT file");
    }
    try {
      files.parallelStream().forEach(f -> verifyFile(dir, root, f));
    } catch (UncheckedIOException e) {
      throw new SnapshotRejectedException(dir, Reason.CORRUPT, "cannot read: " + e.getCause());
    }
  }

  /**
   * Reads and checks only the manifest (format, version, checksum), not the data files; for listing
   * and ordering.
   */
  public static SnapshotManifest readManifest(Path dir) {
    return ManifestCodec.SNAPSHOT.read(
        dir,
        m -> {
          if (m.files() == null || m.modelId() == null) {
            throw new IOException("missing fields");
          }
        });
  }

  /**
   * The newest snapshot under {@code root} that verifies, by (epoch, version, checkpoint id);
   * directories refused on the way (and unfinished {@code .tmp-} publishes) are reported.
   */
  public static NewestSnapshot findNewestValid(Path root) {
    List<Rejection> rejected = new ArrayList<>();
    List<Candidate> candidates = new ArrayList<>();
    for (Path dir : listDirectories(root)) {
      String name = dir.getFileName().toString();
      if (SnapshotPartName.isPart(name) || SnapshotPartName.isPartTemp(name)) {
        continue; // a part of the sharded stage's snapshots: SnapshotPartReader reads those
      }
      if (name.startsWith(SnapshotWriter.TMP_PREFIX)) {
        rejected.add(
            new Rejection(dir, Reason.PARTIAL, "unfinished publish (temporary directory)"));
        continue;
      }
      try {
        candidates.add(new Candidate(dir, readManifest(dir)));
      } catch (SnapshotRejectedException e) {
        rejected.add(new Rejection(dir, e.reason(), e.getMessage()));
      }
    }
    candidates.sort((a, b) -> SnapshotManifest.compareAge(b.manifest, a.manifest));
    for (Candidate c : candidates) {
      try {
        return new NewestSnapshot(Optional.of(verify(c.dir)), rejected);
      } catch (SnapshotRejectedException e) {
        rejected.add(new Rejection(c.dir, e.reason(), e.getMessage()));
      }
    }
    return new NewestSnapshot(Optional.empty(), rejected);
  }

  private record Candidate(Path dir, SnapshotManifest manifest) {}

  /**
   * The newest epoch of anything published under {@code root}: snapshots whose manifests read
   * (verified or not) and the sharded stage's parts by their names (of complete sets or not); 0 if
   * there is none. A writer that starts a model afresh in this directory begins above it, so that
   * serving, which prefers the newest epoch, moves to what it writes.
   */
  public static long newestPublishedEpoch(Path root) {
    long newest = 0;
    for (Path dir : listDirectories(root)) {
      String name = dir.getFileName().toString();
      Optional<SnapshotPartName> part = SnapshotPartName.parse(name);
      if (part.isPresent()) {
        newest = Math.max(newest, part.get().epoch());
      } else if (!name.startsWith(SnapshotWriter.TMP_PREFIX)) {
        try {
          newest = Math.max(newest, readManifest(dir).epoch());
        } catch (SnapshotRejectedException unreadable) {
          // not a snapshot, or one whose manifest does not read: it publishes no epoch
        }
      }
    }
    return newest;
  }

  static List<Path> listDirectories(Path root) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void verifyFile(Path dir, Path root, SnapshotFile f) {
    Path p = root.resolve(f.path()).normalize();
    try {
      if (!Files.isRegularFile(p)) {
        throw new SnapshotRejectedException(dir, Reason.PARTIAL, "missing file " + f.path());
      }
      long size = Files.size(p);
      if (size != f.size()) {
        throw new SnapshotRejectedException(
            dir, Reason.CORRUPT, f.path() + " has " + size + " bytes, manifest says " + f.size());
      }
      String sha = Fs.sha256(p);
      if (!sha.equals(f.sha256())) {
        throw new SnapshotRejectedException(dir, Reason.CORRUPT, f.path() + ": SHA-256 mismatch");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
