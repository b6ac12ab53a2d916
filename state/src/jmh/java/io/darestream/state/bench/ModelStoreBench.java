package io.darestream.state.bench;

import io.darestream.state.checkpoint.CheckpointExporter;
import io.darestream.state.checkpoint.ExportResult;
import io.darestream.state.io.Fs;
import io.darestream.state.model.ModelStore;
import io.darestream.state.model.ModelStoreLayout;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.SnapshotWriter;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * End-to-end timings of the model store at scale: bulk load, checkpoint + incremental export with
 * 1% dirty rows, full restore from the export, snapshot publish and snapshot load.
 *
 * <p>Run: {@code java -Xmx2g -cp <test classpath> io.darestream.state.bench.ModelStoreBench
 * [dir=/tmp/dare-state-bench] [rows=5000000] [rounds=5]}. Writes several GB under {@code dir}.
 */
public final class ModelStoreBench {
  /** 16 embedding floats + 16 optimizer-slot floats per row (a per-row accumulator). */
  static final int WIDTH = 32;

  static final String[] TABLES = {"att.item", "repr.item"};

  private ModelStoreBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/dare-state-bench");
    int rows = args.length > 1 ? Integer.parseInt(args[1]) : 5_000_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    // "reuse": skip the load and the checkpoint rounds, time restore and load of what is there.
    boolean reuse = args.length > 3 && args[3].equals("reuse");
    if (!reuse) {
      Fs.deleteTree(dir);
    }
    ModelStoreLayout layout =
        ModelStoreLayout.builder().addTable(TABLES[0], WIDTH).addTable(TABLES[1], WIDTH).build();
    SplittableRandom rnd = new SplittableRandom(11);
    CheckpointExporter exporter = new CheckpointExporter(dir.resolve("export"));
    SnapshotWriter snapshots = new SnapshotWriter(dir.resolve("snapshots"), 2);
    List<Double> exportSeconds = new ArrayList<>();
    List<Double> dirtyWriteSeconds = new ArrayList<>();
    List<Double> publishSeconds = new ArrayList<>();
    long lastCheckpoint;
    if (reuse) {
      lastCheckpoint = exporter.checkpointIds().get(exporter.checkpointIds().size() - 1);
    } else {
      try (ModelStore store = ModelStore.open(dir.resolve("db"), layout)) {
        long t = System.nanoTime();
        int batch = 10_000;
        long[] ids = new long[batch];
        float[] packed = new float[batch * WIDTH];
        for (String table : TABLES) {
          for (int start = 0; start < rows; start += batch) {
            int n = Math.min(batch, rows - start);
            for (int i = 0; i < n; i++) {
              ids[i] = start + i;
            }
            fill(packed, rnd);
            store.putRows(table, ids, n, packed);
          }
        }
        System.out.printf(
            "bulk load %d rows x %d tables x %d floats: %.1f s%n",
            rows, TABLES.length, WIDTH, secondsSince(t));
        t = System.nanoTime();
        store.checkpoint(dir.resolve("cp/0"));
        ExportResult full = exporter.export(0, dir.resolve("cp/0"));
        System.out.printf(
            "first checkpoint + full export: %.2f s, %d files, %.0f MB%n",
            secondsSince(t), full.filesCopied(), full.bytesCopied() / 1e6);
        t = System.nanoTime();
        snapshots.publish(meta(0), dir.resolve("cp/0"));
        System.out.printf("first snapshot publish (hashes every file): %.2f s%n", secondsSince(t));

        int dirty = rows / 100;
        long[] dirtyIds = new long[dirty];
        float[] dirtyRows = new float[dirty * WIDTH];
        for (int round = 1; round <= rounds; round++) {
          for (int i = 0; i < dirty; i++) {
            dirtyIds[i] = rnd.nextInt(rows);
          }
          fill(dirtyRows, rnd);
          t = System.nanoTime();
          for (String table : TABLES) {
            store.putRows(table, dirtyIds, dirtyRows);
          }
          dirtyWriteSeconds.add(secondsSince(t));
          t = System.nanoTime();
          Path cp = dir.resolve("cp/" + round);
          store.checkpoint(cp);
          ExportResult r = exporter.export(round, cp);
          exporter.retainNewest(2);
          double s = secondsSince(t);
          exportSeconds.add(s);
          t = System.nanoTime();
          snapshots.publish(meta(round), cp);
          publishSeconds.add(secondsSince(t));
          Fs.deleteTree(dir.resolve("cp/" + (round - 1)));
          System.out.printf(
              "round %d: write dirty %.2f s, checkpoint+export %.2f s (copied %d files %.1f MB,"
                  + " reused %d files %.0f MB), snapshot publish %.2f s%n",
              round,
              dirtyWriteSeconds.get(round - 1),
              s,
              r.filesCopied(),
              r.bytesCopied() / 1e6,
              r.filesReused(),
              r.bytesReused() / 1e6,
              publishSeconds.get(round - 1));
        }
        lastCheckpoint = rounds;
      }
    }

    // Full restore: rebuild the RocksDB directory from the export, open it, read every row.
    List<Double> restoreSeconds = new ArrayList<>();
    List<Double> loadSeconds = new ArrayList<>();
    for (int rep = 0; rep < 3; rep++) {
      Path target = dir.resolve("restore-" + rep);
      long t = System.nanoTime();
      exporter.restore(lastCheckpoint, target);
      double copy = secondsSince(t);
      long count;
      try (ModelStore restored = ModelStore.open(target, layout)) {
        count = scanAll(restored);
      }
      double s = secondsSince(t);
      restoreSeconds.add(s);
      System.out.printf(
          "full restore: %.2f s (files %.2f s, open + read %d rows)%n", s, copy, count);
      Fs.deleteTree(target);

      t = System.nanoTime();
      VerifiedSnapshot snap =
          SnapshotReader.findNewestValid(dir.resolve("snapshots")).snapshot().orElseThrow();
      double verify = secondsSince(t);
      try (ModelStore loaded = snap.openStore()) {
        count = scanAll(loaded);
      }
      s = secondsSince(t);
      loadSeconds.add(s);
      System.out.printf(
          "snapshot load: %.2f s (verify SHA-256 %.2f s, open read-only + read %d rows)%n",
          s, verify, count);
    }
    System.out.println();
    System.out.println("| step | median | max |");
    System.out.println("|---|---:|---:|");
    if (reuse) {
      row("full restore (copy from export, open, read all rows)", restoreSeconds);
      row("snapshot load (verify all SHA-256, open, read all rows)", loadSeconds);
      return;
    }
    row("write 1% dirty rows (2 tables)", dirtyWriteSeconds);
    row("checkpoint + incremental export (1% dirty)", exportSeconds);
    row("snapshot publish (1% dirty)", publishSeconds);
    row("full restore (copy from export, open, read all rows)", restoreSeconds);
    row("snapshot load (verify all SHA-256, open, read all rows)", loadSeconds);
  }

  /** Reads every row of both tables, one thread per table (as a restoring trainer would). */
  private static long scanAll(ModelStore store) {
    return java.util.Arrays.stream(TABLES)
        .parallel()
        .mapToLong(
            table -> {
              long[] n = {0};
              double[] sink = {0};
              store.forEachRow(
                  table,
                  (id, row) -> {
                    n[0]++;
                    sink[0] += row[0];
                  });
              return sink[0] == 42.4242 ? n[0] + 1 : n[0];
            })
        .sum();
  }

  private static SnapshotMetadata meta(long checkpointId) {
    return SnapshotMetadata.builder()
        .setModelId("bench")
        .setEpoch(1)
        .setVersion(checkpointId)
        .setCheckpointId(checkpointId)
        .build();
  }

  private static void fill(float[] a, SplittableRandom rnd) {
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (rnd.nextDouble() - 0.5) * 0.02f;
    }
  }

  private static void row(String name, List<Double> xs) {
    System.out.printf("| %s | %.2f s | %.2f s |%n", name, median(xs), Collections.max(xs));
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  static double secondsSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
