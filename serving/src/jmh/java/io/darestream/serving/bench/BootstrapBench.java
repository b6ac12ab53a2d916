package io.darestream.serving.bench;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.serving.ServingServer;
import io.darestream.serving.fixtures.LoopbackServers;
import io.darestream.serving.fixtures.TrainedModels;
import io.darestream.serving.live.SnapshotModelLoader;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.state.io.Fs;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Serving's snapshot bootstrap at scale, through the serving code path: a snapshot of a default
 * {@link DareConfig} model whose two item tables ({@code att.item}, {@code repr.item}) hold {@code
 * items} rows each, at the trainer's full row width (weights and optimizer slots, as the trainer
 * persists them), published with the state module's {@link SnapshotWriter}; then {@code
 * ServingServer.start()} (no Kafka) is timed until it serves the model: find the newest snapshot,
 * verify SHA-256 of every file, read the config, load every row into a fresh {@link DareModel},
 * open the sequence store and bind HTTP. Each of the {@code runs} is a fresh JVM, as a serving
 * process starts (class loading and a cold JIT included); each also times a second verify and load
 * of the same snapshot in the running JVM, the path of a reload when a newer snapshot is announced.
 *
 * <p>Run: {@code java -Xmx8g -cp <test classpath> io.darestream.serving.bench.BootstrapBench
 * [dir=/tmp/dare-serving-bootstrap] [items=2500000] [runs=3]}. Deletes {@code dir} at the end.
 * {@code -Dbench.childXmx} (default 6g) and {@code -Dbench.childJvmArgs} (e.g. a flight recording)
 * go to the fresh JVMs.
 */
public final class BootstrapBench {
  private BootstrapBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(Path.of(args[1]), Path.of(args[2]), Long.parseLong(args[3]));
      return;
    }
    Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/dare-serving-bootstrap");
    int items = args.length > 1 ? Integer.parseInt(args[1]) : 2_500_000;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Fs.deleteTree(dir);
    try {
      Path snapshots = Files.createDirectories(dir.resolve("snapshots"));
      long t = System.nanoTime();
      long rows = writeSnapshot(dir, snapshots, items);
      long bytes = sizeOf(snapshots);
      System.out.printf(
          "snapshot: %d rows (%d per item table, 2 item tables plus category and position rows),"
              + " %.0f MB, written in %.1f s%n",
          rows, items, bytes / 1e6, secondsSince(t));

      List<Double> seconds = new ArrayList<>();
      for (int run = 1; run <= runs; run++) {
        double load0 = loadAverage();
        String line = bootInChild(snapshots, dir.resolve("data-" + run), 2L * items);
        double s = Double.parseDouble(line.split(" ")[1]);
        seconds.add(s);
        System.out.printf(
            "run %d (fresh JVM): %s; load average %.2f before, %.2f after%n",
            run, line, load0, loadAverage());
      }
      Collections.sort(seconds);
      System.out.printf(
          "bootstrap median of %d: %.2f s (min %.2f, max %.2f)%n",
          runs, seconds.get(seconds.size() / 2), seconds.get(0), seconds.get(seconds.size() - 1));
    } finally {
      if (!Boolean.getBoolean("bench.keep")) {
        Fs.deleteTree(dir);
      }
    }
  }

  /** One bootstrap in a fresh JVM, as a serving process starts: returns its {@code BOOT} line. */
  private static String bootInChild(Path snapshots, Path data, long itemRows) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Xmx" + System.getProperty("bench.childXmx", "6g"));
    cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
    String extra = System.getProperty("bench.childJvmArgs");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            BootstrapBench.class.getName(),
            "child",
            snapshots.toString(),
            data.toString(),
            Long.toString(itemRows)));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String boot = null;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("BOOT ")) {
          boot = line;
        } else {
          System.out.println("  [child] " + line);
        }
      }
    }
    int status = p.waitFor();
    if (status != 0 || boot == null) {
      throw new IllegalStateException("bootstrap child failed, status " + status);
    }
    return boot;
  }

  /** The child: start a server on the snapshot, check it serves every item row, print the time. */
  private static void child(Path snapshots, Path data, long itemRows) {
    long t = System.nanoTime();
    try (ServingServer server = LoopbackServers.builder(snapshots, data).build().start()) {
      double s = secondsSince(t);
      ModelStatus status =
          server.modelStatus().orElseThrow(() -> new IllegalStateException("no model after start"));
      long served = status.rowsPerTable().get("att.item") + status.rowsPerTable().get("repr.item");
      if (served != itemRows) {
        throw new IllegalStateException("served " + served + " item rows, expected " + itemRows);
      }
      double sinceJvmStart =
          (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1e3;
      // The reload path of a running server (a newer snapshot announced): verify and load again,
      // now with a warm JIT and a heap that has grown once.
      long r = System.nanoTime();
      SnapshotModelLoader reload = new SnapshotModelLoader(snapshots, new ServingMetrics());
      reload.loadNewestValid().orElseThrow();
      double reloadS = secondsSince(r);
      System.out.printf(
          "BOOT %.2f s ServingServer.start() to model served (%.2f s since JVM start;"
              + " warm reload of the same snapshot in the running JVM %.2f s; rows %s)%n",
          s, sinceJvmStart, reloadS, status.rowsPerTable());
    }
  }

  /**
   * Writes the snapshot: the model's dense blocks, metadata and small tables through {@link
   * ModelStoreSync#writeAll} (as the trainer persists them), then the item rows in bulk through the
   * store's own batch write, with random values (a trained model's rows are not compressible
   * either).
   */
  private static long writeSnapshot(Path dir, Path snapshots, int items) throws IOException {
    DareModel model = DareModel.create(DareConfig.builder().build());
    // Materialise the small tables (categories, positions) as a trained model would hold them.
    for (EmbeddingTable t : model.tables()) {
      if (!t.name().endsWith(".item")) {
        int ids = t.name().endsWith(".category") ? 10_000 : model.config().maxHistory() + 1;
        float[] w = new float[t.dim()];
        for (long id = 0; id < ids; id++) {
          t.copyWeights(id, w, 0);
          model.writeRow(t.name(), id, w);
        }
      }
    }
    Path db = dir.resolve("store");
    Path cp = dir.resolve("checkpoint");
    long rows = 0;
    try (ModelStore store = ModelStore.open(db, ModelStoreSync.layout(model))) {
      ModelStoreSync.writeAll(model, store, TrainedModels.MODEL_ID, 1);
      for (long c : model.counters().values().stream().mapToLong(x -> x.live()).toArray()) {
        rows += c;
      }
      SplittableRandom rnd = new SplittableRandom(5);
      for (String table : List.of("att.item", "repr.item")) {
        int width = model.table(table).rowWidth();
        int batch = 8192;
        long[] ids = new long[batch];
        float[] packed = new float[batch * width];
        for (int start = 0; start < items; start += batch) {
          int n = Math.min(batch, items - start);
          for (int i = 0; i < n; i++) {
            ids[i] = start + i;
          }
          for (int i = 0; i < n * width; i++) {
            packed[i] = (float) (rnd.nextGaussian() * 0.01);
          }
          store.putRows(table, ids, n, packed);
        }
        rows += items;
      }
      store.flush();
      store.checkpoint(cp);
    }
    SnapshotMetadata meta =
        SnapshotMetadata.builder()
            .setModelId(TrainedModels.MODEL_ID)
            .setEpoch(1)
            .setVersion(1)
            .setCheckpointId(1)
            .optModelConfig(model.config().toProperties())
            .addDeltaOffset(TrainedModels.DELTAS_TOPIC, 0, 0)
            .build();
    new SnapshotWriter(snapshots, 2).publish(meta, cp);
    Fs.deleteTree(db);
    Fs.deleteTree(cp);
    return rows;
  }

  private static long sizeOf(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static double secondsSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
