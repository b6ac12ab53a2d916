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
 * snapshot or none.
 *
 * <p>Independence: every file is copied, never hard-linked, so that a snapshot shares no file with
 * another one (nor with the trainer's store): a damaged file invalidates one snapshot only. The
 * SHA-256 is taken from the bytes copied, in the same pass. (Digests are not carried over from the
 * previous snapshot by file name: after a fresh start a new store reuses SST numbers.) Retention
 * never deletes the newest snapshot that verifies (see {@link #applyRetention}).
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
        String dirName = dir.getFileName().toString();
        // Not the part writers' temporary directories: they write beside this writer.
        if (dirName.startsWith(TMP_PREFIX) && !SnapshotPartName.isPartTemp(dirName)) {
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
    Path tmp = root.resolve(TMP_PREFIX + name + "-" + System.nanoTime());
    try {
      publishDirectory(
          tmp,
          target,
          checkpointDir,
          ManifestCodec.SNAPSHOT.fileName(),
          files -> ManifestCodec.SNAPSHOT.render(meta.manifest(files)),
          listener);
    } catch (IOException e) {
      throw new StateStoreException("publishing snapshot " + name + " failed: " + e, e);
    }
    applyRetention();
    return target;
  }

  /**
   * The one publish procedure of snapshots and snapshot parts: copies every regular file of {@code
   * sourceDir} into {@code tmp/data/} (digest taken from the bytes copied, each file fsynced),
   * writes the manifest rendered from the copied files last, fsyncs, and renames {@code tmp} to
   * {@code target} atomically. On failure {@code tmp} is removed and nothing appears at {@code
   * target}.
   */
  static void publishDirectory(
      Path tmp,
      Path target,
      Path sourceDir,
      String manifestFileName,
      java.util.function.Function<List<SnapshotFile>, byte[]> renderManifest,
      PublishListener listener)
      throws IOException {
    try {
      Path data = Files.createDirectories(tmp.resolve(DATA_DIR));
      List<SnapshotFile> files = new ArrayList<>();
      List<Path> sources;
      try (Stream<Path> s = Files.list(sourceDir)) {
        sources = s.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path src : sources) {
        String fileName = src.getFileName().toString();
        Path dest = data.resolve(fileName);
        long size = Files.size(src);
        String sha = Fs.copyAndSyncWithDigest(src, dest);
        if (Files.size(dest) != size) {
          throw new IOException(fileName + " changed size while it was copied");
        }
        files.add(new SnapshotFile(DATA_DIR + "/" + fileName, size, sha));
        listener.afterFile(dest);
      }
      Fs.fsyncDirectory(data);
      Path manifestFile = tmp.resolve(manifestFileName);
      Fs.writeAndSync(manifestFile, renderManifest.apply(files));
      listener.afterFile(manifestFile);
      Fs.fsyncDirectory(tmp);
      Fs.atomicRename(tmp, target);
    } catch (IOException | RuntimeException e) {
      try {
        Fs.deleteTree(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Deletes all but the newest {@code retain} snapshots, and those whose manifest cannot be read,
   * but never the newest snapshot that verifies (every file's size and SHA-256): when none of the
   * newest {@code retain} does, the newest older one that does is kept as well. Snapshots are
   * verified only when there is something to delete, newest first, until one passes.
   */
  public void applyRetention() {
    List<Path> readable = new ArrayList<>();
    Map<Path, SnapshotManifest> manifests = new HashMap<>();
    try {
      for (Path dir : SnapshotReader.listDirectories(root)) {
        String dirName = dir.getFileName().toString();
        if (dirName.startsWith(TMP_PREFIX) || SnapshotPartName.isPart(dirName)) {
          continue; // parts of the sharded stage: their writers keep them (SnapshotPartWriter)
        }
        try {
          manifests.put(dir, SnapshotReader.readManifest(dir));
          readable.add(dir);
        } catch (SnapshotRejectedException e) {
          Fs.deleteTree(dir);
        }
      }
      if (readable.size() <= retain) {
        return;
      }
      readable.sort((a, b) -> SnapshotManifest.compareAge(manifests.get(b), manifests.get(a)));
      Path newestValid = null;
      for (Path dir : readable) {
        if (verifies(dir)) {
          newestValid = dir;
          break;
        }
      }
      for (int i = retain; i < readable.size(); i++) {
        Path old = readable.get(i);
        if (!old.equals(newestValid)) {
          Fs.deleteTree(old);
        }
      }
    } catch (IOException e) {
      throw new StateStoreException("snapshot retention in " + root + " failed: " + e, e);
    }
  }

  private static boolean verifies(Path dir) {
    try {
      SnapshotReader.verify(dir);
      return true;
    } catch (SnapshotRejectedException e) {
      return false;
    }
  }
}
