package io.darestream.state.snapshot;

import io.darestream.state.snapshot.SnapshotRejectedException.Reason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Finds and verifies the sharded stage's snapshot sets: a set (epoch E, checkpoint C, n parts) is
 * complete once a part directory of every writer 0..n-1 is there, and servable once every part
 * verifies (manifest format, version and checksum, the manifest's identity matching the directory
 * name, every file's size and SHA-256) and all parts agree on the model id and config. An
 * incomplete set is waiting (a writer is slower, or skipped the checkpoint), not refused.
 */
public final class SnapshotPartReader {
  private SnapshotPartReader() {}

  /** A part whose manifest and files were verified. */
  public record VerifiedPart(Path directory, SnapshotPartManifest manifest) {
    /** The part's data files, in manifest order. */
    public List<Path> dataFiles() {
      return manifest.snapshot().files().stream().map(f -> directory.resolve(f.path())).toList();
    }
  }

  /** The part directories of one complete set, ordered by writer. */
  public record PartSet(SnapshotPartName.SetKey key, List<Path> parts) {}

  /** The complete sets under {@code root} by name (not verified yet), newest first. */
  public static List<PartSet> completeSetsNewestFirst(Path root) {
    Map<SnapshotPartName.SetKey, Map<Integer, Path>> sets =
        new TreeMap<>(Comparator.reverseOrder());
    for (Path dir : SnapshotReader.listDirectories(root)) {
      Optional<SnapshotPartName> name = SnapshotPartName.parse(dir.getFileName().toString());
      name.ifPresent(n -> sets.computeIfAbsent(n.set(), k -> new TreeMap<>()).put(n.writer(), dir));
    }
    List<PartSet> out = new ArrayList<>();
    sets.forEach(
        (key, parts) -> {
          if (parts.size() == key.writers()) {
            out.add(new PartSet(key, List.copyOf(parts.values())));
          }
        });
    return out;
  }

  /**
   * Verifies every part of {@code set}, and that they agree on the model id and config.
   *
   * @throws SnapshotRejectedException naming the first part that fails
   */
  public static List<VerifiedPart> verify(PartSet set) {
    List<VerifiedPart> out = new ArrayList<>(set.parts().size());
    for (Path dir : set.parts()) {
      VerifiedPart part = verify(dir);
      SnapshotManifest m = part.manifest().snapshot();
      if (!part.manifest().name().set().equals(set.key())) {
        throw new SnapshotRejectedException(
            dir, Reason.CORRUPT, "its manifest is of " + part.manifest().name().set());
      }
      if (!out.isEmpty()) {
        SnapshotManifest first = out.get(0).manifest().snapshot();
        if (!first.modelId().equals(m.modelId()) || !first.modelConfig().equals(m.modelConfig())) {
          throw new SnapshotRejectedException(
              dir, Reason.CORRUPT, "model id or config differs from the set's other parts");
        }
      }
      out.add(part);
    }
    return out;
  }

  /**
   * Verifies the part in {@code dir}: its manifest, that the manifest names this directory's part,
   * and every file.
   *
   * @throws SnapshotRejectedException if it is partial, corrupt, of an unknown version or unsafe
   */
  public static VerifiedPart verify(Path dir) {
    SnapshotPartManifest manifest = readManifest(dir);
    String expected = manifest.name().directoryName();
    if (!expected.equals(dir.getFileName().toString())) {
      throw new SnapshotRejectedException(
          dir, Reason.CORRUPT, "its manifest describes part " + expected);
    }
    SnapshotReader.verifyFiles(dir, manifest.snapshot().files(), false);
    return new VerifiedPart(dir, manifest);
  }

  /** Reads and checks a part's manifest (format, version, checksum, fields), not its files. */
  public static SnapshotPartManifest readManifest(Path dir) {
    return ManifestCodec.PART.read(
        dir,
        m -> {
          SnapshotManifest s = m.snapshot();
          if (s == null || s.files() == null || s.modelId() == null || s.modelConfig() == null) {
            throw new IOException("missing fields");
          }
          m.name(); // checks writer, writers, epoch and checkpoint id
        });
  }
}
