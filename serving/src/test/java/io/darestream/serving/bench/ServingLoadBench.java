package io.darestream.serving.bench;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.serving.ServingServer;
import io.darestream.serving.fixtures.TrainedModels;
import io.darestream.state.sequence.BehaviorCodes;
import io.darestream.state.sequence.SequenceLimits;
import io.darestream.state.sequence.SequenceStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load generator for {@code POST /v1/score} over loopback: a reference-size DARE model
 * (16 dims per field in both sets, K = 20, MLP 200-80) restored from a real snapshot, users with L
 * stored behaviours, C client threads each sending one request at a time with 100 candidates, for a
 * fixed time after a warm-up. Prints p50/p90/p99/max latency and requests/s (total and per core).
 *
 * <p>Run: {@code mvn -B -o -q -pl serving test-compile dependency:build-classpath
 * -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test && java -cp
 * serving/target/test-classes:serving/target/classes:$(cat /tmp/cp.txt)
 * io.darestream.serving.bench.ServingLoadBench [clients] [serverThreads] [seconds] [L]
 * [candidates]}
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
    Path tmp = Files.createTempDirectory("serving-bench");
    Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
    Path data = Files.createDirectories(tmp.resolve("data"));

    DareConfig config = DareConfig.builder().maxHistory(historyLength).build();
    DareModel model = DareModel.create(config);
    materialiseRows(model);
    TrainedModels.publish(model, snapshots, tmp, 1, 1, 0);
    storeHistories(data, historyLength);
    double modelOnlyMs = modelOnlyMedianMs(model, historyLength, candidates);

    try (ServingServer server =
        ServingServer.builder()
            .setSnapshotDir(snapshots)
            .setDataDir(data)
            .optHost("127.0.0.1")
            .optPort(0)
            .optThreads(serverThreads)
            .optSequenceLimits(SequenceLimits.builder().optMaxLength(historyLength).build())
            .build()
            .start()) {
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/score");
      run(uri, clients, 3, candidates, false); // warm-up: JIT, caches
      Result r = run(uri, clients, seconds, candidates, true);
      int cores = Runtime.getRuntime().availableProcessors();
      System.out.printf(
          "serving bench: L=%d candidates=%d clients=%d serverThreads=%d cores=%d seconds=%d%n"
              + "requests=%d errors=%d req/s=%.1f req/s/core=%.1f%n"
              + "latency ms: min=%.2f p50=%.2f p90=%.2f p99=%.2f max=%.2f%n"
              + "model.score alone (same input size, one thread, median of 200): %.2f ms%n",
          historyLength,
          candidates,
          clients,
          serverThreads,
          cores,
          seconds,
          r.latenciesNs.length,
          r.errors,
          r.latenciesNs.length / (double) seconds,
          r.latenciesNs.length / (double) seconds / cores,
          pct(r.latenciesNs, 0.0),
          pct(r.latenciesNs, 0.50),
          pct(r.latenciesNs, 0.90),
          pct(r.latenciesNs, 0.99),
          pct(r.latenciesNs, 1.0),
          modelOnlyMs);
    }
  }

  private record Result(long[] latenciesNs, long errors) {}

  private static Result run(URI uri, int clients, int seconds, int candidates, boolean record)
      throws InterruptedException {
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
                HttpClient http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                SplittableRandom r = new SplittableRandom(client);
                int n = 0;
                try {
                  while (System.nanoTime() < end && n < lat.length) {
                    HttpRequest req =
                        HttpRequest.newBuilder(uri)
                            .POST(HttpRequest.BodyPublishers.ofString(body(r, candidates)))
                            .build();
                    long t0 = System.nanoTime();
                    HttpResponse<byte[]> resp =
                        http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                    long dt = System.nanoTime() - t0;
                    if (resp.statusCode() != 200) {
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

  private static int arg(String[] args, int i, int fallback) {
    return args.length > i ? Integer.parseInt(args[i]) : fallback;
  }
}
