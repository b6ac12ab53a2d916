package io.darestream.serving.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;

/**
 * The server's own view of request latency over a window: the difference of two scrapes of the
 * {@code serving_score_latency_seconds} histogram (parse to response written, inside the handler).
 * Set beside the load generator's latencies it says whether a tail is spent in the handler or
 * around it (connection threads, scheduling, the client).
 */
final class ServerLatency {
  private static final String BUCKET = "serving_score_latency_seconds_bucket{le=\"";

  private ServerLatency() {}

  /** Cumulative count per upper bound (seconds) of the score latency histogram. */
  static Map<Double, Long> scrape(HttpClient http, URI metrics)
      throws IOException, InterruptedException {
    HttpResponse<String> resp =
        http.send(
            HttpRequest.newBuilder(metrics).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200) {
      throw new IOException("GET " + metrics + " answered " + resp.statusCode());
    }
    Map<Double, Long> buckets = new TreeMap<>();
    for (String line : resp.body().split("\n")) {
      if (!line.startsWith(BUCKET)) {
        continue;
      }
      int close = line.indexOf('"', BUCKET.length());
      String le = line.substring(BUCKET.length(), close);
      double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
      long count = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      buckets.put(bound, count);
    }
    return buckets;
  }

  /** Prints the window's p50/p90/p99 as the bucket bounds that hold them. */
  static void print(Map<Double, Long> before, Map<Double, Long> after) {
    long total =
        after.getOrDefault(Double.POSITIVE_INFINITY, 0L)
            - before.getOrDefault(Double.POSITIVE_INFINITY, 0L);
    if (total <= 0) {
      System.out.println("server-side latency: no requests in the window");
      return;
    }
    System.out.printf(
        "server-side latency (handler, parse to response written; histogram bucket bounds):"
            + " requests=%d p50<=%.2f ms p90<=%.2f ms p99<=%.2f ms%n",
        total,
        bound(before, after, total, 0.50),
        bound(before, after, total, 0.90),
        bound(before, after, total, 0.99));
  }

  private static double bound(
      Map<Double, Long> before, Map<Double, Long> after, long total, double q) {
    for (Map.Entry<Double, Long> e : after.entrySet()) {
      long cumulative = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (cumulative >= Math.ceil(q * total)) {
        return e.getKey() * 1e3;
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
