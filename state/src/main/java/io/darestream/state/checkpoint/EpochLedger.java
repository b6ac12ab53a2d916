package io.darestream.state.checkpoint;

import io.darestream.state.StateStoreException;
import io.darestream.state.codec.CorruptDataException;
import io.darestream.state.io.ChecksummedText;
import io.darestream.state.io.Fs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The newest trainer epoch ever begun under a model's export root, kept durably so that no epoch is
 * used twice: an attempt records its epoch before it publishes its first delta, and the next
 * attempt begins after it, even when it fails before its first checkpoint (which is where the
 * checkpointed epoch would otherwise be taken again, and the abandoned attempt's deltas would win
 * over the restored model in serving).
 *
 * <p>File {@code <dir>/EPOCH}: {@link ChecksummedText} {@code DARE-EPOCH 1}, body {@code epoch
 * <n>}; written to a temporary file, fsynced, renamed atomically. Callers use one ledger per export
 * root from one thread.
 */
public final class EpochLedger {
  static final String FILE_NAME = "EPOCH";
  static final String FORMAT = "DARE-EPOCH";
  static final int VERSION = 1;
  private static final String TMP_PREFIX = ".EPOCH.tmp-";
  private static final String KEY = "epoch ";

  private final Path dir;

  /** A ledger in {@code dir} (created if absent). */
  public EpochLedger(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StateStoreException("cannot create " + dir + ": " + e, e);
    }
  }

  public Path file() {
    return dir.resolve(FILE_NAME);
  }

  /**
   * The newest epoch recorded, 0 if none has been.
   *
   * @throws StateStoreException if the file cannot be read or is corrupt: then no one can tell
   *     which epochs were used, and beginning one could reuse it
   */
  public long newest() {
    Path file = file();
    if (!Files.exists(file)) {
      return 0;
    }
    try {
      ChecksummedText.Content c = ChecksummedText.read(file, FORMAT);
      if (c.version() != VERSION) {
        throw new CorruptDataException(
            file + ": format version " + c.version() + ", this reader knows " + VERSION);
      }
      String body = c.body().strip();
      if (!body.startsWith(KEY)) {
        throw new CorruptDataException(file + ": no '" + KEY.strip() + "' line");
      }
      long epoch = Long.parseLong(body.substring(KEY.length()));
      if (epoch < 0) {
        throw new CorruptDataException(file + ": negative epoch " + epoch);
      }
      return epoch;
    } catch (IOException | CorruptDataException | NumberFormatException e) {
      throw new StateStoreException(
          "the epoch ledger "
              + file
              + " is unreadable ("
              + e.getMessage()
              + "); the trainer will not start an epoch that may have been used already. Restore"
              + " the file from a backup, or replace it with one holding an epoch above every"
              + " epoch published",
          e);
    }
  }

  /**
   * Begins a new epoch, greater than every epoch recorded here and than {@code after} (e.g. the
   * restored checkpoint's epoch and the newest published one), and records it durably before
   * returning.
   */
  public long begin(long after) {
    long epoch = Math.max(newest(), after) + 1;
    byte[] content = ChecksummedText.render(FORMAT, VERSION, KEY + epoch + "\n");
    Path tmp = dir.resolve(TMP_PREFIX + System.nanoTime());
    try {
      deleteLeftovers();
      Fs.writeAndSync(tmp, content);
      Fs.atomicRename(tmp, file());
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new StateStoreException("cannot record epoch " + epoch + " in " + file() + ": " + e, e);
    }
    return epoch;
  }

  /** Temporary files of a writer that crashed before its rename. */
  private void deleteLeftovers() throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, TMP_PREFIX + "*")) {
      for (Path p : s) {
        Files.deleteIfExists(p);
      }
    }
  }
}
