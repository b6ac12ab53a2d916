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
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Soak of the trainer's memory and disk over an unbounded id space (not part of the test run): an
 * {@link OnlineTrainer} on a default-sized model trains an endless stream in which every sample
 * brings new item ids, event time = wall-clock time; every second it expires and drains deltas (as
 * the publish timer does), every 10 s it checkpoints the model store, exports and publishes a
 * snapshot (as Flink's checkpoints do). Every {@code sampleSeconds} it prints live rows, admission
 * counts, rows expired, heap used after a full GC, and the bytes of the working store, the exports
 * and the snapshots.
 *
 * <pre>
 * mvn -B -o -q -pl stream-jobs -am test-compile
 * mvn -B -o -q -pl stream-jobs dependency:build-classpath -Dmdep.outputFile=/tmp/sj-cp.txt \
 *     -Dmdep.includeScope=test
 * CP=stream-jobs/target/classes:stream-jobs/target/test-classes:$(cat /tmp/sj-cp.txt)
 * java -Xmx1g -cp $CP io.darestream.jobs.bench.ExpirySoak /tmp/dare-soak 240 60 2
 *   # dir, seconds, expiry seconds (0 = off), admission min count
 * </pre>
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
    long sampleMs = 20_000;
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
        "expiry %d s, admission min count %d, %s%n",
        expiryMs / 1000, minCount, model.config().toProperties().replace('\n', ' '));
    System.out.println(
        "t_s samples rows_live(item tables) pending_admission rows_expired heap_used_MB"
            + " store_MB export_MB snapshots_MB");
    try (ModelCheckpointing durable =
        new ModelCheckpointing(
            dir.resolve("work"), dir.resolve("export"), dir.resolve("snapshots"), 3)) {
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
        for (int i = 0; i < model.config().microBatchSize(); i++) {
          trainer.add(stream.nextAt(System.currentTimeMillis()));
          samples++;
        }
        trainer.trainPending();
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
          report(now - start, samples, model, memory, dir);
          nextSample = now + sampleMs;
        }
      }
      report(System.currentTimeMillis() - start, samples, model, memory, dir);
    }
  }

  private static void report(
      long elapsedMs, long samples, DareModel model, MemoryMXBean memory, Path dir)
      throws IOException {
    long live = 0;
    long pending = 0;
    long expired = 0;
    for (Map.Entry<String, TableCounters> e : model.counters().entrySet()) {
      if (e.getKey().endsWith(".item")) {
        live += e.getValue().live();
      }
      pending += e.getValue().pendingAdmission();
      expired += e.getValue().expired();
    }
    System.gc();
    System.out.printf(
        "%d %d %d %d %d %.0f %.1f %.1f %.1f%n",
        elapsedMs / 1000,
        samples,
        live,
        pending,
        expired,
        memory.getHeapMemoryUsage().getUsed() / 1e6,
        bytes(dir.resolve("work")) / 1e6,
        bytes(dir.resolve("export")) / 1e6,
        bytes(dir.resolve("snapshots")) / 1e6);
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
