package io.darestream.serving.bench;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.serving.ServingServer;
import io.darestream.serving.fixtures.LoopbackServers;
import io.darestream.serving.fixtures.TrainedModels;
import io.darestream.state.sequence.BehaviorCodes;
import io.darestream.state.sequence.SequenceLimits;
import io.darestream.state.sequence.SequenceStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load generator for {@code POST /v1/score} over loopback: a reference-size DARE model
 * (16 dims per field in both sets, K = 20, MLP 200-80) restored from a real snapshot, users with L
 * stored behaviours, C client threads each sending one request at a time with 100 candidates, for a
 * fixed time after a warm-up. Prints p50/p90/p99/max latency and requests/s.
 *
 * <p>Two modes, so that "per core" means something:
 *
 * <ul>
 *   <li>{@code inproc} (default; the method of the first figures): server and clients in this JVM.
 *       "req/s per core" is total req/s over all the machine's cores, client work included.
 *   <li>{@code fork}: the server runs in a child JVM ({@link BenchServer}); the server process's
 *       own CPU time over the measured window (from the OS, {@link
 *       ProcessHandle.Info#totalCpuDuration}) gives requests per server-core-second, which no
 *       client cost inflates. An optional CPU list ({@code serverCpus}, e.g. {@code 0}) pins the
 *       child with {@code taskset}; run this JVM under {@code taskset -c 1} to give the clients the
 *       other core. The child's classpath is this JVM's unless {@code -Dbench.serverClasspath=...}
 *       names another (e.g. an older build, for old-vs-new runs with the same load generator).
 * </ul>
 *
 * <p>Run: {@code mvn -B -o -q -pl serving test-compile dependency:build-classpath
 * -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test && java -cp
 * serving/target/test-classes:serving/target/classes:$(cat /tmp/cp.txt)
 * io.darestream.serving.bench.ServingLoadBench [clients] [serverThreads] [seconds] [L] [candidates]
 * [inproc|fork] [serverCpus]}
 */
public final class ServingLoadBench {
  private static final int USERS = 100;
  private static final int ITEMS = 50_000;
  private static final int CATEGORIES = 500;

  private ServingLoadBench() {}

  public static void main(String[] args) throws Exception {
    int clients = arg(args, 0, 4);
    int serverThreads = arg(args, 1, 2);
    int seconds = arg(args, 2, 20);
    int historyLength = arg(args, 3, 1_000);
    int candidates = arg(args, 4, 100);
    String mode = args.length > 5 ? args[5] : "inproc";
    String serverCpus = args.length > 6 ? args[6] : null;
    if (!mode.equals("inproc") && !mode.equals("fork")) {
      throw new IllegalArgumentException("mode must be inproc or fork, got " + mode);
    }
    Path tmp = Files.createTempDirectory("serving-bench");
    try {
      Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
      Path data = Files.createDirectories(tmp.resolve("data"));

      DareConfig config = DareConfig.builder().maxHistory(historyLength).build();
      DareModel model = DareModel.create(config);
      materialiseRows(model);
      TrainedModels.publish(model, snapshots, tmp, 1, 1, 0);
      storeHistories(data, historyLength);
      double modelOnlyMs = modelOnlyMedianMs(model, historyLength, candidates);
      model = null; // the in-process server loads its own copy from the snapshot

      String header =
          String.format(
              "serving bench: mode=%s client=%s L=%d candidates=%d clients=%d serverThreads=%d"
                  + " cores=%d seconds=%d%s",
              mode,
              System.getProperty("bench.client", "jdk"),
              historyLength,
              candidates,
              clients,
              serverThreads,
              Runtime.getRuntime().availableProcessors(),
              seconds,
              serverCpus == null ? "" : " serverCpus=" + serverCpus);
      if (mode.equals("inproc")) {
        try (ServingServer server =
            LoopbackServers.builder(snapshots, data)
                .optThreads(serverThreads)
                .optSequenceLimits(SequenceLimits.builder().optMaxLength(historyLength).build())
                .build()
                .start()) {
          URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/score");
          try (Probes probes = Probes.start(uri, probeMillis())) {
            // warm-up: JIT, caches
            LoadClient[] loadClients = loadClients(uri, clients);
            run(loadClients, Integer.getInteger("bench.warmupSeconds", 3), candidates, false);
            long cpu0 = ownCpuNanos();
            Result r = run(loadClients, seconds, candidates, true);
            report(header, r, seconds, modelOnlyMs, -1, ownCpuNanos() - cpu0);
            System.out.println(probes.summary());
          }
        }
      } else {
        try (Forked server =
            Forked.start(snapshots, data, serverThreads, historyLength, serverCpus)) {
          URI uri = URI.create("http://127.0.0.1:" + server.port + "/v1/score");
          try (Probes probes = Probes.start(uri, probeMillis())) {
            // A fresh JVM here still compiles (C2) for well over 10 s; 60 s gets it mostly quiet.
            // The same clients (and connections) warm up and measure: a new client at the start
            // of the measured window made the server's connection code deoptimise and recompile
            // inside it (C2 then took 0.3-0.4 ms of the one core per request).
            LoadClient[] loadClients = loadClients(uri, clients);
            run(loadClients, Integer.getInteger("bench.warmupSeconds", 60), candidates, false);
            URI metricsUri = uri.resolve("/metrics");
            HttpClient scraper = HttpClient.newHttpClient();
            Map<Double, Long> handler0 = ServerLatency.scrape(scraper, metricsUri);
            long server0 = server.cpuNanos();
            Map<String, Long> threads0 = server.cpuByThreadGroup();
            long cpu0 = ownCpuNanos();
            Result r = run(loadClients, seconds, candidates, true);
            long serverCpu = server.cpuNanos() - server0;
            Map<String, Long> threads1 = server.cpuByThreadGroup();
            Map<Double, Long> handler1 = ServerLatency.scrape(scraper, metricsUri);
            report(header, r, seconds, modelOnlyMs, serverCpu, ownCpuNanos() - cpu0);
            printThreadCpu(threads0, threads1, r.latenciesNs.length);
            ServerLatency.print(handler0, handler1);
            System.out.println(probes.summary());
          }
        }
      }
    } finally {
      deleteTree(tmp);
    }
  }

  /**
   * Period of the Prometheus-and-readiness probes that run beside the load ({@code
   * -Dbench.probeMillis}, default 1,000; 0 turns them off).
   */
  private static long probeMillis() {
    return Long.getLong("bench.probeMillis", 1_000L);
  }

  private static void report(
      String header,
      Result r,
      int seconds,
      double modelOnlyMs,
      long serverCpuNanos,
      long clientCpuNanos) {
    int cores = Runtime.getRuntime().availableProcessors();
    double rps = r.latenciesNs.length / (double) seconds;
    System.out.println(header);
    System.out.printf(
        "requests=%d errors=%d req/s=%.1f req/s/core=%.1f (total over all %d cores)%n",
        r.latenciesNs.length, r.errors, rps, rps / cores, cores);
    if (serverCpuNanos >= 0) {
      double serverCpuS = serverCpuNanos / 1e9;
      System.out.printf(
          "server process CPU=%.2f s (%.2f cores busy) req per server-core-second=%.1f"
              + " server CPU per request=%.2f ms%n",
          serverCpuS,
          serverCpuS / seconds,
          r.latenciesNs.length / serverCpuS,
          serverCpuS * 1e3 / r.latenciesNs.length);
      System.out.printf(
          "load generator process CPU=%.2f s (%.2f cores busy)%n",
          clientCpuNanos / 1e9, clientCpuNanos / 1e9 / seconds);
    } else {
      System.out.printf(
          "process CPU (server and clients together)=%.2f s (%.2f cores busy)%n",
          clientCpuNanos / 1e9, clientCpuNanos / 1e9 / seconds);
    }
    System.out.printf(
        "latency ms: min=%.2f p50=%.2f p90=%.2f p99=%.2f max=%.2f%n"
            + "model.score alone (same input size, one thread, median of 200): %.2f ms%n",
        pct(r.latenciesNs, 0.0),
        pct(r.latenciesNs, 0.50),
        pct(r.latenciesNs, 0.90),
        pct(r.latenciesNs, 0.99),
        pct(r.latenciesNs, 1.0),
        modelOnlyMs);
  }

  private static void printThreadCpu(Map<String, Long> before, Map<String, Long> after, int n) {
    if (after.isEmpty()) {
      return;
    }
    StringBuilder sb = new StringBuilder("server CPU by thread group (ms per request):");
    long[] http = {0};
    after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(
            e -> {
              if (e.getKey().startsWith("serving-http")) {
                http[0] += e.getValue();
              }
              sb.append(
                  String.format(" %s=%.3f", e.getKey().replace(' ', '_'), e.getValue() / 1e6 / n));
            });
    System.out.println(sb);
    // Steady state: the request threads alone (a JIT still compiling or a GC are left out).
    System.out.printf(
        "req per request-thread-core-second (serving-http threads only)=%.1f%n",
        n / (http[0] / 1e9));
  }

  private static long ownCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The server in a child JVM; closing its stdin stops it. */
  private static final class Forked implements AutoCloseable {
    private final Process process;
    private final int port;

    private Forked(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static Forked start(Path snapshots, Path data, int threads, int historyLength, String cpus)
        throws IOException, InterruptedException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String cp =
          System.getProperty("bench.serverClasspath", System.getProperty("java.class.path"));
      List<String> cmd = new ArrayList<>();
      if (cpus != null) {
        cmd.addAll(List.of("taskset", "-c", cpus));
      }
      cmd.addAll(List.of(java, "-Xmx2g", "--add-modules", "jdk.incubator.vector"));
      String extra = System.getProperty("bench.serverJvmArgs");
      if (extra != null && !extra.isBlank()) {
        cmd.addAll(Arrays.asList(extra.trim().split("\\s+")));
      }
      cmd.addAll(
          List.of(
              "-cp",
              cp,
              BenchServer.class.getName(),
              snapshots.toString(),
              data.toString(),
              Integer.toString(threads),
              Integer.toString(historyLength)));
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.startsWith(BenchServer.READY)) {
        System.out.println("[server] " + line);
      }
      if (line == null) {
        throw new IOException("bench server exited before it was ready, status " + p.waitFor());
      }
      int port = Integer.parseInt(line.substring(BenchServer.READY.length()).trim());
      Thread drain =
          new Thread(
              () -> {
                try {
                  out.transferTo(Writer.nullWriter());
                } catch (IOException e) {
                  // the child is gone
                }
              },
              "bench-server-stdout");
      drain.setDaemon(true);
      drain.start();
      return new Forked(p, port);
    }

    /**
     * CPU time so far per group of the server's threads (Linux {@code /proc}; thread names with
     * digits dropped: {@code serving-http-}, {@code C2 CompilerThread}, {@code G1 Conc#}...); empty
     * where {@code /proc} is missing.
     */
    Map<String, Long> cpuByThreadGroup() {
      Map<String, Long> out = new TreeMap<>();
      Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
      if (!Files.isDirectory(tasks)) {
        return out;
      }
      long tickNanos = 10_000_000L; // USER_HZ is 100 on Linux
      try (var dirs = Files.list(tasks)) {
        for (Path t : dirs.toList()) {
          try {
            String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "#");
            String stat = Files.readString(t.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            out.merge(name, ticks * tickNanos, Long::sum);
          } catch (IOException | RuntimeException e) {
            // the thread ended while we read it
          }
        }
      } catch (IOException e) {
        return out;
      }
      return out;
    }

    /** CPU time the server process has used so far, user and system, all its threads. */
    long cpuNanos() {
      return process
          .info()
          .totalCpuDuration()
          .orElseThrow(() -> new IllegalStateException("the OS does not report process CPU time"))
          .toNanos();
    }

    @Override
    public void close() throws Exception {
      process.getOutputStream().close();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private record Result(long[] latenciesNs, long errors) {}

  private static LoadClient[] loadClients(URI uri, int n) {
    LoadClient[] out = new LoadClient[n];
    for (int i = 0; i < n; i++) {
      out[i] = LoadClient.create(uri);
    }
    return out;
  }

  private static Result run(LoadClient[] loadClients, int seconds, int candidates, boolean record)
      throws InterruptedException {
    int clients = loadClients.length;
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<long[]> perClient = new ArrayList<>();
    int[] counts = new int[clients];
    AtomicLong errors = new AtomicLong();
    CountDownLatch done = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      long[] lat = new long[2_000_000];
      perClient.add(lat);
      int client = c;
      Thread t =
          new Thread(
              () -> {
                LoadClient http = loadClients[client];
                // Another stream of bodies per phase: a measured request is not a warm-up replay.
                SplittableRandom r = new SplittableRandom(client * 31L + (record ? 1 : 0));
                int n = 0;
                try {
                  while (System.nanoTime() < end && n < lat.length) {
                    String body = body(r, candidates);
                    long t0 = System.nanoTime();
                    int status = http.post(body);
                    long dt = System.nanoTime() - t0;
                    if (status != 200) {
                      errors.incrementAndGet();
                    }
                    lat[n++] = dt;
                  }
                } catch (Exception e) {
                  errors.incrementAndGet();
                } finally {
                  counts[client] = n;
                  done.countDown();
                }
              },
              "bench-client-" + c);
      t.start();
    }
    done.await();
    if (!record) {
      return new Result(new long[0], errors.get());
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int c = 0; c < clients; c++) {
      System.arraycopy(perClient.get(c), 0, all, at, counts[c]);
      at += counts[c];
    }
    Arrays.sort(all);
    return new Result(all, errors.get());
  }

  private static String body(SplittableRandom r, int candidates) {
    StringBuilder sb = new StringBuilder(64 + candidates * 40);
    sb.append("{\"user_id\":").append(r.nextInt(USERS)).append(",\"candidates\":[");
    for (int i = 0; i < candidates; i++) {
      int item = r.nextInt(ITEMS);
      sb.append(i == 0 ? "" : ",")
          .append("{\"item_id\":")
          .append(item)
          .append(",\"category_id\":")
          .append(item % CATEGORIES)
          .append('}');
    }
    return sb.append("]}").toString();
  }

  /** Stores a row for every id in use, as a trained model would hold (no on-the-fly init). */
  private static void materialiseRows(DareModel model) {
    for (EmbeddingTable t : model.tables()) {
      int ids =
          t.name().endsWith(".item") ? ITEMS : t.name().endsWith(".category") ? CATEGORIES : 1_001;
      float[] w = new float[t.dim()];
      for (long id = 0; id < ids; id++) {
        t.copyWeights(id, w, 0);
        model.writeRow(t.name(), id, w);
      }
    }
  }

  private static void storeHistories(Path data, int length) {
    Random r = new Random(1);
    try (SequenceStore store =
        SequenceStore.builder()
            .setPath(data.resolve("sequences"))
            .optLimits(SequenceLimits.builder().optMaxLength(length).build())
            .open()) {
      long t0 = 1_700_000_000_000L;
      for (int u = 0; u < USERS; u++) {
        for (int i = 0; i < length; i++) {
          int item = r.nextInt(ITEMS);
          store.append(
              u,
              (long) u * length + i + 1,
              item,
              item % CATEGORIES,
              t0 + i * 1_000L,
              BehaviorCodes.code(BehaviorType.CLICK));
        }
      }
    }
  }

  /** The model's own scoring cost for one request, without HTTP, JSON or the sequence store. */
  private static double modelOnlyMedianMs(DareModel model, int length, int candidates) {
    SplittableRandom r = new SplittableRandom(3);
    long[] hi = new long[length];
    long[] hc = new long[length];
    for (int i = 0; i < length; i++) {
      hi[i] = r.nextInt(ITEMS);
      hc[i] = hi[i] % CATEGORIES;
    }
    long[] ci = new long[candidates];
    long[] cc = new long[candidates];
    long[] times = new long[200];
    for (int rep = 0; rep < 300; rep++) {
      for (int i = 0; i < candidates; i++) {
        ci[i] = r.nextInt(ITEMS);
        cc[i] = ci[i] % CATEGORIES;
      }
      long t0 = System.nanoTime();
      model.score(hi, hc, ci, cc);
      if (rep >= 100) {
        times[rep - 100] = System.nanoTime() - t0;
      }
    }
    Arrays.sort(times);
    return times[times.length / 2] / 1e6;
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static int arg(String[] args, int i, int fallback) {
    return args.length > i ? Integer.parseInt(args[i]) : fallback;
  }
}
