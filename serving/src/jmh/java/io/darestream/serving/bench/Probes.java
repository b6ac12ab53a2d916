package io.darestream.serving.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a deployed server also answers while it scores: a Prometheus scrape of {@code /metrics} and
 * a readiness probe of {@code /health/ready}, every period, from warm-up to the end.
 *
 * <p>Without them the JIT of a fresh server only ever saw score requests; the first other request
 * (the bench's own scrape of the latency histogram at the start of the measured window) broke its
 * type profiles, and the server deoptimised and recompiled its HTTP path inside the window (44
 * deoptimisations in 5 s, then C2 took 0.6 ms of the one core per request). In production the
 * scrapes come all along, so the compiled code has seen them before any window a user cares about.
 */
final class Probes implements AutoCloseable {
  private final ScheduledExecutorService timer;
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  private Probes(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /**
   * Starts probing the server at {@code base} (scheme, host and port) every {@code periodMillis}; 0
   * or less probes nothing.
   */
  static Probes start(URI base, long periodMillis) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bench-probes");
              t.setDaemon(true);
              return t;
            });
    Probes p = new Probes(timer);
    if (periodMillis > 0) {
      HttpClient http = HttpClient.newHttpClient();
      List<HttpRequest> requests =
          List.of(
              HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
              HttpRequest.newBuilder(base.resolve("/health/ready")).GET().build());
      timer.scheduleWithFixedDelay(
          () -> requests.forEach(req -> p.send(http, req)), 0, periodMillis, TimeUnit.MILLISECONDS);
    }
    return p;
  }

  private void send(HttpClient http, HttpRequest req) {
    try {
      int status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
      answered.incrementAndGet();
      if (status != 200) {
        failed.incrementAndGet();
      }
    } catch (IOException e) {
      failed.incrementAndGet();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Probes answered so far, and how many failed (no answer, or not 200). */
  String summary() {
    return String.format(
        "probes (GET /metrics, /health/ready) answered=%d failed=%d", answered.get(), failed.get());
  }

  @Override
  public void close() throws InterruptedException {
    timer.shutdownNow();
    timer.awaitTermination(5, TimeUnit.SECONDS);
  }
}
