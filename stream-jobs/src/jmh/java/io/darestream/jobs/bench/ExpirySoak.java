package io.darestream.jobs.bench;

import io.darestream.jobs.testing.UnboundedIds;
import io.darestream.jobs.train.ModelCheckpointing;
import io.darestream.jobs.train.OnlineTrainer;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.TableCounters;
import io.darestream.state.io.Fs;
import io.darestream.state.snapshot.SnapshotMetadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Soak of the trainer's memory, disk and open files over an unbounded id space (not part of the
 * test run): an {@link OnlineTrainer} on a default-sized model trains an endless stream in which
 * every sample brings new item ids, event time = wall-clock time; every second it expires and
 * drains deltas (as the publish timer does), every 10 s it checkpoints the model store, exports and
 * publishes a snapshot (as Flink's checkpoints do). Input is paced at a fixed rate (samples/s; 0 =
 * as fast as it can) so a long run is steady on a shared machine. Every {@code sampleSeconds} it
 * prints and appends to a CSV file: live rows per table, admission counts, rows expired, heap used
 * right after {@code System.gc()} (a full, stop-the-world collection under G1, read from the {@link
 * MemoryMXBean}), the bytes of the working store, the exports and the snapshots, and the open file
 * descriptors (entries of {@code /proc/self/fd}, -1 where there is no procfs).
 *
 * <pre>
 * # one invocation: offline, the reactor modules resolve only in the same -am build
 * mvn -B -o -q -pl stream-jobs -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/sj-cp.txt -Dmdep.includeScope=test
 * CP=stream-jobs/target/classes:stream-jobs/target/test-classes:$(cat /tmp/sj-cp.txt)
 * java -Xmx1g --add-modules jdk.incubator.vector -cp $CP io.darestream.jobs.bench.ExpirySoak \
 *     /tmp/dare-soak 240 60 2 1000 60 /tmp/soak.csv
 *   # dir (deleted first), seconds, expiry seconds (0 = off), admission min count,
 *   # samples/s (0 = unpaced), sample every n seconds, CSV file (default: dir + ".csv")
 * </pre>
 *
 * <p>{@code io.darestream.app.bench.SoakPlot} (app's jmh source set) turns the CSV into a PNG.
 */
public final class ExpirySoak {
  private static final long PUBLISH_MS = 1_000;
  private static final long CHECKPOINT_MS = 10_000;

  private ExpirySoak() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/dare-soak");
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 240;
    long expiryMs = (args.length > 2 ? Long.parseLong(args[2]) : 60) * 1_000;
    int minCount = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    long rate = args.length > 4 ? Long.parseLong(args[4]) : 0;
    long sampleMs = (args.length > 5 ? Long.parseLong(args[5]) : 20) * 1_000;
    Path csv = Path.of(args.length > 6 ? args[6] : dir + ".csv");
    if (csv.toAbsolutePath().startsWith(dir.toAbsolutePath())) {
      throw new IllegalArgumentException("the CSV must live outside " + dir + ", which is deleted");
    }
    Fs.deleteTree(dir);
    DareModel model =
        DareModel.create(
            DareConfig.builder().expiryMs(expiryMs).admissionMinCount(minCount).build());
    OnlineTrainer trainer =
        new OnlineTrainer(model, "soak", 1, model.config().microBatchSize(), 2048, 10_000);
    long start = System.currentTimeMillis();
    UnboundedIds stream = new UnboundedIds(1, start, 0);
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.out.printf(
        "expiry %d s, admission min count %d, rate %d samples/s, %s%n",
        expiryMs / 1000, minCount, rate, model.config().toProperties().replace('\n', ' '));
    System.out.println(
        "t_s samples rows_live(item tables) pending_admission rows_expired heap_used_MB"
            + " store_MB export_MB snapshots_MB open_fds");
    List<String> tables = new ArrayList<>(model.counters().keySet());
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv), true);
        ModelCheckpointing durable =
            new ModelCheckpointing(
                dir.resolve("work"), dir.resolve("export"), dir.resolve("snapshots"), 3)) {
      out.println(csvHeader(tables));
      durable.start(model);
      long samples = 0;
      long nextPublish = start + PUBLISH_MS;
      long nextCheckpoint = start + CHECKPOINT_MS;
      long nextSample = start;
      long checkpointId = 0;
      while (true) {
        long now = System.currentTimeMillis();
        if (now - start >= seconds * 1_000) {
          break;
        }
        // Paced: train the next micro-batch only once the clock has reached its due time; the
        // timers below still run while waiting, as they do in the job between records.
        if (rate <= 0 || samples * 1_000 <= (now - start) * rate) {
          for (int i = 0; i < model.config().microBatchSize(); i++) {
            trainer.add(stream.nextAt(System.currentTimeMillis()));
            samples++;
          }
          trainer.trainPending();
        } else {
          Thread.sleep(Math.min(50, Math.max(1, samples * 1_000 / rate - (now - start))));
        }
        if (now >= nextPublish) {
          trainer.expireRows();
          trainer.drainDeltas(now, false);
          nextPublish = now + PUBLISH_MS;
        }
        if (now >= nextCheckpoint) {
          long id = ++checkpointId;
          SnapshotMetadata meta =
              SnapshotMetadata.builder()
                  .setModelId("soak")
                  .setEpoch(1)
                  .setVersion(model.version())
                  .setCheckpointId(id)
                  .optModelConfig(model.config().toProperties())
                  .build();
          durable.checkpoint(id, model, "soak", 1, meta).get(5, TimeUnit.MINUTES);
          durable.publish(id, p -> {}).get(5, TimeUnit.MINUTES);
          nextCheckpoint = now + CHECKPOINT_MS;
        }
        if (now >= nextSample) {
          report(now - start, samples, model, tables, memory, dir, out);
          // Fixed grid from the start, so a slow sample does not shift the later ones.
          nextSample += sampleMs * Math.max(1, (now - nextSample) / sampleMs + 1);
        }
      }
      report(System.currentTimeMillis() - start, samples, model, tables, memory, dir, out);
    }
  }

  private static String csvHeader(List<String> tables) {
    StringBuilder h = new StringBuilder("t_s,samples");
    for (String t : tables) {
      h.append(",rows_").append(t);
    }
    return h.append(",rows_item_total,pending_admission,rows_expired,heap_used_after_gc_bytes")
        .append(",heap_committed_bytes,store_bytes,export_bytes,snapshots_bytes,open_fds")
        .toString();
  }

  private static void report(
      long elapsedMs,
      long samples,
      DareModel model,
      List<String> tables,
      MemoryMXBean memory,
      Path dir,
      PrintWriter out)
      throws IOException {
    Map<String, TableCounters> counters = model.counters();
    long live = 0;
    long pending = 0;
    long expired = 0;
    StringBuilder perTable = new StringBuilder();
    for (String t : tables) {
      TableCounters c = counters.get(t);
      perTable.append(',').append(c == null ? 0 : c.live());
      if (c == null) {
        continue;
      }
      if (t.endsWith(".item")) {
        live += c.live();
      }
      pending += c.pendingAdmission();
      expired += c.expired();
    }
    System.gc();
    MemoryUsage heap = memory.getHeapMemoryUsage();
    long store = bytes(dir.resolve("work"));
    long export = bytes(dir.resolve("export"));
    long snapshots = bytes(dir.resolve("snapshots"));
    long fds = openFiles();
    System.out.printf(
        "%d %d %d %d %d %.0f %.1f %.1f %.1f %d%n",
        elapsedMs / 1000,
        samples,
        live,
        pending,
        expired,
        heap.getUsed() / 1e6,
        store / 1e6,
        export / 1e6,
        snapshots / 1e6,
        fds);
    out.printf(
        "%d,%d%s,%d,%d,%d,%d,%d,%d,%d,%d,%d%n",
        elapsedMs / 1000,
        samples,
        perTable,
        live,
        pending,
        expired,
        heap.getUsed(),
        heap.getCommitted(),
        store,
        export,
        snapshots,
        fds);
  }

  /** Open file descriptors of this process (RocksDB's SSTs, logs, sockets), or -1 off Linux. */
  private static long openFiles() throws IOException {
    Path fd = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fd)) {
      return -1;
    }
    try (Stream<Path> s = Files.list(fd)) {
      return s.count() - 1; // the listing's own descriptor
    }
  }

  private static long bytes(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0; // deleted meanwhile by a checkpoint or retention
                }
              })
          .sum();
    }
  }
}
