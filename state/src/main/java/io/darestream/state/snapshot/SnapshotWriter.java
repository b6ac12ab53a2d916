package io.darestream.state.snapshot;

import io.darestream.state.StateStoreException;
import io.darestream.state.io.Fs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Publishes snapshots for serving under a root directory: {@code
 * <root>/snapshot-e<epoch>-c<checkpoint id>/} holding {@code data/} (the RocksDB checkpoint files)
 * and {@code MANIFEST}.
 *
 * <p>Crash safety: everything is written under {@code <root>/.tmp-...}, each file fsynced, the
 * manifest written last, the directory fsynced, then renamed atomically; a reader sees a whole
 * snapshot or none. Immutable SST files are hard-linked from the checkpoint when on the same file
 * system, and the SHA-256 of an SST already listed (same name and size) in the previous snapshot is
 * reused instead of re-read, so a publish costs about the size of the new files.
 *
 * <p>One writer per root: the constructor removes {@code .tmp-} directories left by a crashed one.
 */
public final class SnapshotWriter {
  static final String DATA_DIR = "data";
  static final String TMP_PREFIX = ".tmp-";

  private final Path root;
  private final int retain;

  /** Called after each file of a publish is in place; lets tests stop a publish half-way. */
  @FunctionalInterface
  public interface PublishListener {
    void afterFile(Path file);
  }

  /**
   * @param retain how many newest snapshots to keep (at least 1)
   */
  public SnapshotWriter(Path root, int retain) {
    if (retain < 1) {
      throw new IllegalArgumentException("retain must be >= 1, got " + retain);
    }
    this.root = root;
    this.retain = retain;
    try {
      Files.createDirectories(root);
      for (Path dir : SnapshotReader.listDirectories(root)) {
        if (dir.getFileName().toString().startsWith(TMP_PREFIX)) {
          Fs.deleteTree(dir);
        }
      }
    } catch (IOException e) {
      throw new StateStoreException("cannot prepare snapshot root " + root + ": " + e, e);
    }
  }

  public Path root() {
    return root;
  }

  /** Publishes the RocksDB checkpoint in {@code checkpointDir} as a snapshot; returns its path. */
  public Path publish(SnapshotMetadata meta, Path checkpointDir) {
    return publish(meta, checkpointDir, f -> {});
  }

  public Path publish(SnapshotMetadata meta, Path checkpointDir, PublishListener listener) {
    String name = "snapshot-e" + meta.epoch + "-c" + meta.checkpointId;
    Path target = root.resolve(name);
    if (Files.exists(target)) {
      throw new StateStoreException("snapshot " + target + " already exists");
    }
    Map<String, String> knownDigests = previousDigests();
    Path tmp = root.resolve(TMP_PREFIX + name + "-" + System.nanoTime());
    try {
      Path data = Files.createDirectories(tmp.resolve(DATA_DIR));
      List<SnapshotFile> files = new ArrayList<>();
      List<Path> sources;
      try (Stream<Path> s = Files.list(checkpointDir)) {
        sources = s.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path src : sources) {
        String fileName = src.getFileName().toString();
        Path dest = data.resolve(fileName);
        long size = Files.size(src);
        String sha;
        if (fileName.endsWith(".sst")) {
          // Immutable: a link is as good as a copy, and cheap.
          Fs.linkOrCopy(src, dest);
          sha = knownDigests.get(fileName + "/" + size);
          if (sha == null) {
            sha = Fs.sha256(dest);
          }
        } else {
          Fs.copyAndSync(src, dest);
          sha = Fs.sha256(dest);
        }
        files.add(new SnapshotFile(DATA_DIR + "/" + fileName, size, sha));
        listener.afterFile(dest);
      }
      Fs.fsyncDirectory(data);
      SnapshotManifest manifest =
          new SnapshotManifest(
              meta.modelId,
              meta.epoch,
              meta.version,
              meta.checkpointId,
              System.currentTimeMillis(),
              meta.modelConfig,
              meta.deltaOffsets,
              meta.metrics,
              files);
      Path manifestFile = tmp.resolve(ManifestCodec.FILE_NAME);
      Fs.writeAndSync(manifestFile, ManifestCodec.render(manifest));
      listener.afterFile(manifestFile);
      Fs.fsyncDirectory(tmp);
      Fs.atomicRename(tmp, target);
    } catch (IOException e) {
      try {
        Fs.deleteTree(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new StateStoreException("publishing snapshot " + name + " failed: " + e, e);
    }
    applyRetention();
    return target;
  }

  /** Deletes all but the newest {@code retain} snapshots (unreadable ones count as oldest). */
  public void applyRetention() {
    List<Path> readable = new ArrayList<>();
    Map<Path, SnapshotManifest> manifests = new HashMap<>();
    try {
      for (Path dir : SnapshotReader.listDirectories(root)) {
        if (dir.getFileName().toString().startsWith(TMP_PREFIX)) {
          continue;
        }
        try {
          manifests.put(dir, SnapshotReader.readManifest(dir));
          readable.add(dir);
        } catch (SnapshotRejectedException e) {
          Fs.deleteTree(dir);
        }
      }
      readable.sort((a, b) -> SnapshotManifest.compareAge(manifests.get(b), manifests.get(a)));
      for (Path old : readable.subList(Math.min(retain, readable.size()), readable.size())) {
        Fs.deleteTree(old);
      }
    } catch (IOException e) {
      throw new StateStoreException("snapshot retention in " + root + " failed: " + e, e);
    }
  }

  /** SHA-256 of the SSTs of the newest readable snapshot, keyed by "name/size". */
  private Map<String, String> previousDigests() {
    Map<String, String> out = new HashMap<>();
    SnapshotManifest newest = null;
    for (Path dir : SnapshotReader.listDirectories(root)) {
      if (dir.getFileName().toString().startsWith(TMP_PREFIX)) {
        continue;
      }
      try {
        SnapshotManifest m = SnapshotReader.readManifest(dir);
        if (newest == null || SnapshotManifest.compareAge(m, newest) > 0) {
          newest = m;
        }
      } catch (SnapshotRejectedException ignored) {
        // a refused snapshot contributes no digests
      }
    }
    if (newest != null) {
      for (SnapshotFile f : newest.files()) {
        if (f.path().endsWith(".sst")) {
          String fileName = f.path().substring(f.path().lastIndexOf('/') + 1);
          out.put(fileName + "/" + f.size(), f.sha256());
        }
      }
    }
    return out;
  }
}
