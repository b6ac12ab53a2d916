package io.darestream.state.snapshot;

import io.darestream.state.StateStoreException;
import io.darestream.state.io.Fs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Publishes one writer's parts of sharded snapshots under a snapshot root that N + 1 writers share
 * (the row owners and the dense averager): {@code <root>/part-e<E>-c<C>-w<w>-of-<n>/} holding
 * {@code data/} and {@code PART}. A set (E, C) is complete, and servable, once all n parts are
 * there; nobody assembles it (see {@link SnapshotPartReader}).
 *
 * <p>The guarantees of {@link SnapshotWriter}, by the same code: files copied with their digest,
 * fsynced, the manifest last, the directory renamed into place atomically; a reader sees a whole
 * part or none. Each writer touches only its own directories: its temporary ones ({@code
 * .tmp-part-...-w<w>-of-...}), removed when it starts, and its own parts in retention; writer 0
 * also removes the parts of sets written at another parallelism once a newer set is complete.
 */
public final class SnapshotPartWriter {
  private final Path root;
  private final int writer;
  private final int retain;

  /**
   * @param writer this writer's id on {@code model-deltas}
   * @param retain how many newest complete sets to keep this writer's parts of (at least 1)
   */
  public SnapshotPartWriter(Path root, int writer, int retain) {
    if (retain < 1) {
      throw new IllegalArgumentException("retain must be >= 1, got " + retain);
    }
    if (writer < 0) {
      throw new IllegalArgumentException("writer must be >= 0, got " + writer);
    }
    this.root = root;
    this.writer = writer;
    this.retain = retain;
    try {
      Files.createDirectories(root);
      String mine = "-w" + writer + "-of-";
      for (Path dir : SnapshotReader.listDirectories(root)) {
        String name = dir.getFileName().toString();
        if (SnapshotPartName.isPartTemp(name) && name.contains(mine)) {
          Fs.deleteTree(dir); // left by a crashed attempt of this writer
        }
      }
    } catch (IOException e) {
      throw new StateStoreException("cannot prepare snapshot root " + root + ": " + e, e);
    }
  }

  /**
   * Publishes the files in {@code sourceDir} as this writer's part of the set ({@code meta}'s epoch
   * and checkpoint id) of {@code writers} parts; returns its directory.
   */
  public Path publish(SnapshotMetadata meta, int writers, Path sourceDir) {
    SnapshotPartName name = new SnapshotPartName(meta.epoch, meta.checkpointId, writer, writers);
    Path target = root.resolve(name.directoryName());
    if (Files.exists(target)) {
      throw new StateStoreException("snapshot part " + target + " already exists");
    }
    Path tmp =
        root.resolve(SnapshotWriter.TMP_PREFIX + name.directoryName() + "-" + System.nanoTime());
    try {
      SnapshotWriter.publishDirectory(
          tmp,
          target,
          sourceDir,
          ManifestCodec.PART.fileName(),
          files ->
              ManifestCodec.PART.render(
                  new SnapshotPartManifest(meta.manifest(files), writer, writers)),
          f -> {});
    } catch (IOException e) {
      throw new StateStoreException(
          "publishing snapshot part " + name.directoryName() + " failed: " + e, e);
    }
    applyRetention();
    return target;
  }

  /**
   * Deletes this writer's parts of every set but the newest {@code retain} complete ones and the
   * sets newer than the newest complete one (still being written). Never a part of the newest
   * complete set. Completeness is judged by names here (cheap); the reader verifies.
   */
  public void applyRetention() {
    Map<SnapshotPartName.SetKey, List<Path>> sets = new TreeMap<>();
    Map<SnapshotPartName.SetKey, Integer> present = new TreeMap<>();
    Map<SnapshotPartName.SetKey, Path> mine = new TreeMap<>();
    for (Path dir : SnapshotReader.listDirectories(root)) {
      Optional<SnapshotPartName> name = SnapshotPartName.parse(dir.getFileName().toString());
      if (name.isEmpty()) {
        continue;
      }
      SnapshotPartName.SetKey key = name.get().set();
      sets.computeIfAbsent(key, k -> new ArrayList<>()).add(dir);
      present.merge(key, 1, Integer::sum);
      if (name.get().writer() == writer) {
        mine.put(key, dir);
      }
    }
    List<SnapshotPartName.SetKey> complete =
        present.entrySet().stream()
            .filter(e -> e.getValue() == e.getKey().writers())
            .map(Map.Entry::getKey)
            .toList(); // ascending
    if (complete.isEmpty()) {
      return;
    }
    SnapshotPartName.SetKey newestComplete = complete.get(complete.size() - 1);
    List<SnapshotPartName.SetKey> kept =
        complete.subList(Math.max(0, complete.size() - retain), complete.size());
    try {
      for (Map.Entry<SnapshotPartName.SetKey, Path> e : mine.entrySet()) {
        SnapshotPartName.SetKey key = e.getKey();
        if (key.compareTo(newestComplete) < 0 && !kept.contains(key)) {
          Fs.deleteTree(e.getValue());
        }
      }
      if (writer == 0) {
        // Sets of another parallelism (before a rescale) have writers that no longer exist.
        for (Map.Entry<SnapshotPartName.SetKey, List<Path>> e : sets.entrySet()) {
          SnapshotPartName.SetKey key = e.getKey();
          if (key.writers() != newestComplete.writers()
              && key.compareTo(newestComplete) < 0
              && !kept.contains(key)) {
            for (Path dir : e.getValue()) {
              Fs.deleteTree(dir);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new StateStoreException("snapshot part retention in " + root + " failed: " + e, e);
    }
  }
}
