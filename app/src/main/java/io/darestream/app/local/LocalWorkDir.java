package io.darestream.app.local;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The work directory of a local run: held by one run at a time (a file lock, so a second run on it
 * is refused instead of mixing two brokers' logs), told what an earlier run left (its run file, its
 * broker's log, its last retained checkpoint), and wiped for {@code --fresh}.
 *
 * <p>Layout: {@code kafka/} the broker's log, {@code checkpoints/} Flink's checkpoints (retained
 * when the run is killed or cancelled) and the trainer's exports, {@code savepoints/}, {@code
 * snapshots/} for serving, {@code serving/} serving's own store, {@code report/}, and {@code
 * local-run.properties} (when the run started, on what, whether it finished).
 */
public final class LocalWorkDir implements AutoCloseable {
  static final String LOCK_FILE = ".lock";
  static final String RUN_FILE = "local-run.properties";

  /**
   * What {@code --fresh} deletes: only what local runs write, whatever else the user keeps here.
   */
  private static final List<String> RUN_ENTRIES =
      List.of("kafka", "checkpoints", "savepoints", "snapshots", "serving", "report", RUN_FILE);

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private LocalWorkDir(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates {@code dir} if needed and takes its lock.
   *
   * @throws WorkDirException if another run (in any process) holds it
   */
  public static LocalWorkDir lock(Path dir) {
    try {
      Files.createDirectories(dir);
      Path lockFile = dir.resolve(LOCK_FILE);
      FileChannel channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException sameJvm) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        String holder = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
        throw new WorkDirException(
            "work dir "
                + dir
                + " is used by another local run"
                + (holder.isEmpty() ? "" : " (" + holder + ")")
                + "; wait for it to end or give another --work-dir");
      }
      channel.truncate(0);
      channel.write(StandardCharsets.UTF_8.encode("pid " + ProcessHandle.current().pid()), 0);
      return new LocalWorkDir(dir, channel, lock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock the work dir " + dir, e);
    }
  }

  public Path path() {
    return dir;
  }

  Path kafka() {
    return dir.resolve("kafka");
  }

  Path checkpoints() {
    return dir.resolve("checkpoints");
  }

  Path savepoints() {
    return dir.resolve("savepoints");
  }

  /** What an earlier run left here, if one ran (its run file or its broker's log is here). */
  public Optional<EarlierRun> earlierRun() {
    Path runFile = dir.resolve(RUN_FILE);
    boolean hasKafka = Files.exists(kafka().resolve("meta.properties"));
    if (!Files.exists(runFile) && !hasKafka) {
      return Optional.empty();
    }
    Properties p = new Properties();
    if (Files.exists(runFile)) {
      try (Reader r = Files.newBufferedReader(runFile, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + runFile, e);
      }
    }
    return Optional.of(
        new EarlierRun(
            p.getProperty("started", "unknown"),
            p.getProperty("dataset", "unknown"),
            Boolean.parseBoolean(p.getProperty("finished", "false")),
            hasKafka,
            RetainedCheckpoint.latest(checkpoints())));
  }

  /** Deletes what earlier runs left (see {@link #RUN_ENTRIES}); other files stay. */
  public void wipe() {
    for (String entry : RUN_ENTRIES) {
      deleteTree(dir.resolve(entry));
    }
  }

  /** Records that a run on {@code dataset} starts here (or resumes: the start time is kept). */
  void markStarted(String dataset, Optional<EarlierRun> resumed) {
    Properties p = new Properties();
    p.setProperty("started", resumed.map(EarlierRun::started).orElse(Instant.now().toString()));
    p.setProperty("dataset", dataset);
    p.setProperty("finished", "false");
    writeRunFile(p);
  }

  /** Records that the run here finished: nothing is left to resume. */
  void markFinished() {
    Properties p = new Properties();
    Path runFile = dir.resolve(RUN_FILE);
    try (Reader r = Files.newBufferedReader(runFile, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + runFile, e);
    }
    p.setProperty("finished", "true");
    writeRunFile(p);
  }

  private void writeRunFile(Properties p) {
    Path tmp = dir.resolve(RUN_FILE + ".tmp");
    try {
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(w, "dare-stream local run");
      }
      Files.move(
          tmp,
          dir.resolve(RUN_FILE),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(RUN_FILE), e);
    }
  }

  static void deleteTree(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  /** Releases the lock; the directory stays. */
  @Override
  public synchronized void close() {
    if (!lockChannel.isOpen()) {
      return;
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release the lock of " + dir, e);
    }
  }

  /**
   * What an earlier run left in the work dir.
   *
   * @param started when it first started (ISO instant), or "unknown"
   * @param dataset what it replayed
   * @param finished it ran to its end (and deleted its broker log and checkpoints)
   * @param hasKafka its broker's log is here
   * @param checkpoint its last retained checkpoint, if it completed one
   */
  public record EarlierRun(
      String started,
      String dataset,
      boolean finished,
      boolean hasKafka,
      Optional<RetainedCheckpoint> checkpoint) {}

  /** The work dir cannot be used: another run holds it, or there is nothing to resume in it. */
  public static final class WorkDirException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WorkDirException(String message) {
      super(message);
    }
  }
}
