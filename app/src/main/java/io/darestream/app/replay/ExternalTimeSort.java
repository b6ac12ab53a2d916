package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Sorts an event source by event time in bounded memory: runs of at most {@code runSize} events are
 * sorted in memory and written to compressed temporary files, then a k-way merge streams them back
 * in time order. Ties keep input order (stable within a run, earlier run first across runs), so
 * each user's events keep the order the file gave them.
 *
 * <p>Why an external sort rather than a merge of the users: a file ordered by user is one sorted
 * run per user, but the Taobao file has about a million users and a merge needs an open cursor per
 * run. Runs of 500,000 events make about 200 runs for the full 3.5 GB file (100M rows), each merged
 * through a 64 KB buffer; the temporary files take roughly a third of the CSV's size.
 */
public final class ExternalTimeSort {
  /** Default events per in-memory run (about 100 MB of heap). */
  public static final int DEFAULT_RUN_SIZE = 500_000;

  private static final int BUFFER_BYTES = 1 << 16;
  private static final Comparator<BehaviorEvent> BY_TIME =
      Comparator.comparingLong(BehaviorEvent::getEventTimeMs);

  private ExternalTimeSort() {}

  /**
   * Reads {@code input} to its end and returns its events in time order. {@code input} is closed.
   *
   * @param tempParent where the run files go (a subdirectory is created and deleted on close)
   * @param progress told the number of events read so far, every run
   */
  public static EventSource sort(
      EventSource input, Path tempParent, int runSize, LongConsumer progress) {
    if (runSize < 1) {
      throw new IllegalArgumentException("run size must be >= 1, got " + runSize);
    }
    Path dir = null;
    List<Path> runs = new ArrayList<>();
    long count = 0;
    try (input) {
      List<BehaviorEvent> run = new ArrayList<>(Math.min(runSize, 1 << 16));
      while (input.hasNext()) {
        run.add(input.next());
        count++;
        if (run.size() == runSize) {
          if (dir == null) {
            Files.createDirectories(tempParent);
            dir = Files.createTempDirectory(tempParent, "dare-replay-sort-");
          }
          runs.add(writeRun(dir, runs.size(), run));
          run.clear();
          progress.accept(count);
        }
      }
      run.sort(BY_TIME);
      progress.accept(count);
      String description = input.description() + ", sorted by time";
      if (runs.isEmpty()) {
        return IteratorSource.of(run, input.skipped(), input.firstSkipReasons(), description);
      }
      runs.add(writeRun(dir, runs.size(), run));
      return new Merged(dir, runs, count, input.skipped(), input.firstSkipReasons(), description);
    } catch (IOException e) {
      deleteQuietly(dir);
      throw new UncheckedIOException("Cannot sort events in " + tempParent + ": " + e, e);
    } catch (RuntimeException e) {
      deleteQuietly(dir);
      throw e;
    }
  }

  private static Path writeRun(Path dir, int index, List<BehaviorEvent> run) throws IOException {
    run.sort(BY_TIME);
    Path file = dir.resolve(String.format("run-%05d.bin.gz", index));
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(fastGzip(Files.newOutputStream(file))))) {
      for (BehaviorEvent e : run) {
        EventRecords.write(out, e);
      }
    }
    return file;
  }

  private static OutputStream fastGzip(OutputStream out) throws IOException {
    // Level 1: the runs are read once, a few seconds later; speed beats ratio.
    return new GZIPOutputStream(out, BUFFER_BYTES) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    };
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // temporary files; the OS cleans its temp directory eventually
    }
  }

  /** One open run file and its next event. */
  private static final class Cursor {
    final int index;
    final DataInputStream in;
    BehaviorEvent head;

    Cursor(int index, DataInputStream in) {
      this.index = index;
      this.in = in;
    }

    boolean advance() throws IOException {
      head = EventRecords.read(in);
      return head != null;
    }
  }

  /** The k-way merge of the run files by (event time, run index). */
  private static final class Merged implements EventSource {
    private final Path dir;
    private final long total;
    private final long skipped;
    private final List<String> skipReasons;
    private final String description;
    private final PriorityQueue<Cursor> heads =
        new PriorityQueue<>(
            Comparator.<Cursor>comparingLong(c -> c.head.getEventTimeMs())
                .thenComparingInt(c -> c.index));
    private final List<Cursor> open = new ArrayList<>();

    Merged(
        Path dir,
        List<Path> runs,
        long total,
        long skipped,
        List<String> skipReasons,
        String description)
        throws IOException {
      this.dir = dir;
      this.total = total;
      this.skipped = skipped;
      this.skipReasons = List.copyOf(skipReasons);
      this.description = description;
      try {
        for (int i = 0; i < runs.size(); i++) {
          InputStream raw = Files.newInputStream(runs.get(i));
          Cursor c =
              new Cursor(
                  i,
                  new DataInputStream(
                      new BufferedInputStream(
                          new GZIPInputStream(raw, BUFFER_BYTES), BUFFER_BYTES)));
          open.add(c);
          if (c.advance()) {
            heads.add(c);
          }
        }
      } catch (IOException e) {
        close();
        throw e;
      }
    }

    @Override
    public boolean hasNext() {
      return !heads.isEmpty();
    }

    @Override
    public BehaviorEvent next() {
      Cursor c = heads.poll();
      if (c == null) {
        throw new NoSuchElementException("no more events");
      }
      BehaviorEvent event = c.head;
      try {
        if (c.advance()) {
          heads.add(c);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read sort run " + c.index + " in " + dir, e);
      }
      return event;
    }

    @Override
    public long total() {
      return total;
    }

    @Override
    public long skipped() {
      return skipped;
    }

    @Override
    public List<String> firstSkipReasons() {
      return skipReasons;
    }

    @Override
    public String description() {
      return description;
    }

    @Override
    public void close() {
      for (Cursor c : open) {
        try {
          c.in.close();
        } catch (IOException ignored) {
          // deleting the files below is what matters
        }
      }
      open.clear();
      heads.clear();
      deleteQuietly(dir);
    }
  }
}
