package io.darestream.state.checkpoint;

import io.darestream.state.StateStoreException;
import io.darestream.state.codec.CorruptDataException;
import io.darestream.state.io.ChecksummedText;
import io.darestream.state.io.Fs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Incremental export of RocksDB checkpoints to a directory (the configured checkpoint storage).
 *
 * <p>Layout under the root: {@code shared/<number>-<size>.sst} holds SST files, each copied once:
 * SSTs are immutable and RocksDB never reuses a file number within a database, so name and size
 * identify one. {@code checkpoints/<id>/} holds the small per-checkpoint files (CURRENT, MANIFEST,
 * OPTIONS) and {@code FILES}, the list of the checkpoint's files ({@code DARE-CKPT-FILES 1},
 * checksummed); a checkpoint directory appears by atomic rename once complete, so a crash leaves
 * either a whole checkpoint or a {@code .tmp-} directory that {@link #retain} removes.
 *
 * <p>Not thread-safe: one exporter per root, driven by the trainer's checkpoint thread.
 */
public final class CheckpointExporter {
  static final String FORMAT = "DARE-CKPT-FILES";
  static final int VERSION = 1;
  private static final String TMP = ".tmp-";

  private final Path root;
  private final Path shared;
  private final Path checkpoints;

  public CheckpointExporter(Path root) {
    this.root = root;
    this.shared = root.resolve("shared");
    this.checkpoints = root.resolve("checkpoints");
    try {
      Files.createDirectories(shared);
      Files.createDirectories(checkpoints);
    } catch (IOException e) {
      throw new StateStoreException("cannot create export root " + root + ": " + e, e);
    }
  }

  public Path root() {
    return root;
  }

  /** One file of an exported checkpoint. */
  record Entry(boolean shared, String storedName, String name, long size) {}

  /**
   * Exports the RocksDB checkpoint in {@code checkpointDir} as checkpoint {@code checkpointId},
   * copying only SST files not already exported.
   */
  public ExportResult export(long checkpointId, Path checkpointDir) {
    Path finalDir = checkpoints.resolve(Long.toString(checkpointId));
    if (Files.exists(finalDir)) {
      throw new StateStoreException("checkpoint " + checkpointId + " is already exported");
    }
    Path tmp = checkpoints.resolve(TMP + checkpointId + "-" + System.nanoTime());
    int copied = 0;
    int reused = 0;
    long bytesCopied = 0;
    long bytesReused = 0;
    try {
      Files.createDirectories(tmp);
      StringBuilder list = new StringBuilder();
      boolean newShared = false;
      for (Path f : listFiles(checkpointDir)) {
        String name = f.getFileName().toString();
        long size = Files.size(f);
        if (name.endsWith(".sst")) {
          String stored = name.substring(0, name.length() - 4) + "-" + size + ".sst";
          Path dest = shared.resolve(stored);
          if (Files.exists(dest) && Files.size(dest) == size) {
            reused++;
            bytesReused += size;
          } else {
            Path part = shared.resolve(TMP + stored);
            Files.deleteIfExists(part);
            Fs.copyAndSync(f, part);
            Files.move(
                part,
                dest,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            newShared = true;
            copied++;
            bytesCopied += size;
          }
          list.append("shared ")
              .append(stored)
              .append(' ')
              .append(name)
              .append(' ')
              .append(size)
              .append('\n');
        } else {
          Fs.copyAndSync(f, tmp.resolve(name));
          copied++;
          bytesCopied += size;
          list.append("own ")
              .append(name)
              .append(' ')
              .append(name)
              .append(' ')
              .append(size)
              .append('\n');
        }
      }
      if (newShared) {
        Fs.fsyncDirectory(shared);
      }
      Fs.writeAndSync(
          tmp.resolve("FILES"), ChecksummedText.render(FORMAT, VERSION, list.toString()));
      Fs.fsyncDirectory(tmp);
      Fs.atomicRename(tmp, finalDir);
      return new ExportResult(checkpointId, copied, bytesCopied, reused, bytesReused);
    } catch (IOException e) {
      throw new StateStoreException(
          "export of checkpoint " + checkpointId + " from " + checkpointDir + " failed: " + e, e);
    }
  }

  /** Ids of the completely exported checkpoints, ascending. */
  public List<Long> checkpointIds() {
    TreeSet<Long> ids = new TreeSet<>();
    try (Stream<Path> s = Files.list(checkpoints)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (!n.startsWith(TMP) && Files.exists(p.resolve("FILES"))) {
          try {
            ids.add(Long.parseLong(n));
          } catch (NumberFormatException ignored) {
            // not ours
          }
        }
      }
    } catch (IOException e) {
      throw new StateStoreException("cannot list " + checkpoints + ": " + e, e);
    }
    return new ArrayList<>(ids);
  }

  /** Keeps the newest {@code n} checkpoints, see {@link #retain}. */
  public void retainNewest(int n) {
    List<Long> ids = checkpointIds();
    retain(ids.subList(Math.max(0, ids.size() - n), ids.size()));
  }

  /**
   * Deletes every exported checkpoint not in {@code keep}, unfinished exports, and the shared files
   * that no kept checkpoint references.
   */
  public void retain(Collection<Long> keep) {
    try {
      Set<String> referenced = new HashSet<>();
      try (Stream<Path> s = Files.list(checkpoints)) {
        for (Path p : s.toList()) {
          String n = p.getFileName().toString();
          boolean kept = false;
          try {
            kept = !n.startsWith(TMP) && keep.contains(Long.parseLong(n));
          } catch (NumberFormatException ignored) {
            // not a checkpoint directory: removed below with the others
          }
          if (kept) {
            for (Entry e : entries(Long.parseLong(n))) {
              if (e.shared()) {
                referenced.add(e.storedName());
              }
            }
          } else {
            Fs.deleteTree(p);
          }
        }
      }
      try (Stream<Path> s = Files.list(shared)) {
        for (Path p : s.toList()) {
          if (!referenced.contains(p.getFileName().toString())) {
            Files.deleteIfExists(p);
          }
        }
      }
    } catch (IOException e) {
      throw new StateStoreException("retention in " + root + " failed: " + e, e);
    }
  }

  /**
   * Rebuilds checkpoint {@code checkpointId} as a RocksDB directory at {@code target} (which must
   * not exist), checking every file's size; open it with {@code ModelStore.open}. SST files are
   * hard-linked when the export is on the same file system (RocksDB never modifies an SST, and
   * deleting the link leaves the export intact), copied otherwise.
   */
  public Path restore(long checkpointId, Path target) {
    if (Files.exists(target)) {
      throw new StateStoreException("restore target " + target + " already exists");
    }
    Path tmp = target.resolveSibling(target.getFileName() + TMP + System.nanoTime());
    try {
      Files.createDirectories(tmp);
      for (Entry e : entries(checkpointId)) {
        Path src =
            e.shared()
                ? shared.resolve(e.storedName())
                : checkpoints.resolve(Long.toString(checkpointId)).resolve(e.storedName());
        if (!Files.exists(src) || Files.size(src) != e.size()) {
          throw new CorruptDataException(
              "checkpoint " + checkpointId + ": " + src + " is missing or has the wrong size");
        }
        if (e.shared()) {
          // Immutable SSTs: a hard link when on the same file system, a copy otherwise.
          Fs.linkOrCopy(src, tmp.resolve(e.name()));
        } else {
          Fs.copyAndSync(src, tmp.resolve(e.name()));
        }
      }
      Fs.fsyncDirectory(tmp);
      Fs.atomicRename(tmp, target);
      return target;
    } catch (IOException e) {
      throw new StateStoreException("restore of checkpoint " + checkpointId + " failed: " + e, e);
    }
  }

  /** The files of an exported checkpoint, verified against its checksummed list. */
  List<Entry> entries(long checkpointId) throws IOException {
    Path files = checkpoints.resolve(Long.toString(checkpointId)).resolve("FILES");
    if (!Files.exists(files)) {
      throw new StateStoreException("checkpoint " + checkpointId + " is not exported in " + root);
    }
    ChecksummedText.Content c = ChecksummedText.read(files, FORMAT);
    if (c.version() != VERSION) {
      throw new CorruptDataException(files + ": unknown format version " + c.version());
    }
    List<Entry> out = new ArrayList<>();
    for (String line : c.body().split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split(" ");
      if (f.length != 4
          || !(f[0].equals("shared") || f[0].equals("own"))
          || !safeName(f[1])
          || !safeName(f[2])) {
        throw new CorruptDataException(files + ": bad line '" + line + "'");
      }
      out.add(new Entry(f[0].equals("shared"), f[1], f[2], Long.parseLong(f[3])));
    }
    return out;
  }

  private static boolean safeName(String n) {
    return !n.isEmpty()
        && !n.contains("/")
        && !n.contains("\\")
        && !n.equals("..")
        && !n.equals(".");
  }

  private static List<Path> listFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
