package io.darestream.app.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Serving under hostile HTTP: {@link HttpAttack}s from several connections at once, while one
 * client keeps sending valid scoring requests and a probe reads {@code /health/ready} every 100 ms.
 * Records every answer by status, and each answer that is not the documented one.
 */
final class HttpFuzz implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_EXAMPLES = 20;

  private final int port;
  private final int maxBodyBytes;
  private final LongSupplier someUser;
  private final Random random;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService background = Executors.newFixedThreadPool(2);
  private final Map<HttpAttack, Map<Integer, AtomicLong>> attackAnswers = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicLong> validAnswers = new ConcurrentHashMap<>();
  private final AtomicLong readyProbes = new AtomicLong();
  private final AtomicLong readyNot200 = new AtomicLong();
  private final List<String> wrong = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong wrongCount = new AtomicLong();

  /**
   * @param someUser a user id for a valid request (e.g. a good user sent so far)
   */
  HttpFuzz(int port, int maxBodyBytes, long seed, LongSupplier someUser) {
    this.port = port;
    this.maxBodyBytes = maxBodyBytes;
    this.someUser = someUser;
    this.random = new Random(seed);
  }

  /** What serving answered. */
  record Result(
      Map<HttpAttack, Map<Integer, Long>> attacks,
      Map<Integer, Long> valid,
      long readyProbes,
      long readyNot200,
      long wrongCount,
      List<String> wrong) {
    long attacksSent() {
      return attacks.values().stream()
          .flatMap(m -> m.values().stream())
          .mapToLong(Long::longValue)
          .sum();
    }

    /** Answers by class ("2xx", "4xx", "5xx", "none"), for {@code statuses}. */
    static Map<String, Long> byClass(Map<Integer, Long> statuses) {
      Map<String, Long> out = new TreeMap<>();
      statuses.forEach((s, n) -> out.merge(s < 0 ? "none" : (s / 100) + "xx", n, Long::sum));
      return out;
    }

    Map<Integer, Long> allAttackStatuses() {
      Map<Integer, Long> out = new TreeMap<>();
      attacks.values().forEach(m -> m.forEach((s, n) -> out.merge(s, n, Long::sum)));
      return out;
    }
  }

  /** Starts the valid client and the readiness probe. */
  void startBackground() {
    background.submit(this::validLoop);
    background.submit(this::readinessLoop);
  }

  /** Sends {@code n} attacks, {@code concurrency} connections at a time; returns when answered. */
  void attack(long n, int concurrency) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<?>> pending = new ArrayList<>();
      HttpAttack[] kinds = HttpAttack.values();
      for (long i = 0; i < n; i++) {
        HttpAttack kind;
        byte[] request;
        synchronized (random) {
          kind = i < kinds.length ? kinds[(int) i] : kinds[random.nextInt(kinds.length)];
          request = kind.request(random, maxBodyBytes);
        }
        pending.add(pool.submit(() -> send(kind, request)));
        if (pending.size() >= 4 * concurrency) {
          pending.remove(0).get();
        }
      }
      for (Future<?> f : pending) {
        f.get();
      }
    } finally {
      pool.shutdown();
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  private void send(HttpAttack kind, byte[] request) {
    RawHttp.Response r;
    try {
      r = RawHttp.exchange(port, request);
    } catch (IOException e) {
      r = RawHttp.Response.NONE;
    }
    attackAnswers
        .computeIfAbsent(kind, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(r.status(), s -> new AtomicLong())
        .incrementAndGet();
    if (!kind.expects(r.status()) || !isJsonError(r.body())) {
      example(
          kind
              + " answered "
              + r.status()
              + " (expected "
              + kind.expected()
              + "): "
              + cut(r.body()));
    }
  }

  private static boolean isJsonError(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n != null
          && n.isObject()
          && n.hasNonNull("error")
          && !n.get("error").asText().isBlank()
          && !body.contains("Exception")
          && !body.contains("\tat ");
    } catch (IOException e) {
      return false;
    }
  }

  private void validLoop() {
    Random r = new Random(random.nextLong());
    while (running.get()) {
      StringBuilder json =
          new StringBuilder("{\"user_id\":")
              .append(someUser.getAsLong())
              .append(",\"explain\":")
              .append(r.nextBoolean())
              .append(",\"candidates\":[");
      for (int i = 0, n = 1 + r.nextInt(20); i < n; i++) {
        json.append(i == 0 ? "" : ",")
            .append("{\"item_id\":")
            .append(r.nextInt(10_000))
            .append(",\"category_id\":")
            .append(r.nextInt(50))
            .append('}');
      }
      RawHttp.Response a;
      try {
        a =
            RawHttp.exchange(
                port, RawHttp.postJson(HttpAttack.SCORE, json.append("]}").toString()));
      } catch (IOException e) {
        a = RawHttp.Response.NONE;
      }
      validAnswers.computeIfAbsent(a.status(), s -> new AtomicLong()).incrementAndGet();
      if (a.status() != 200 || !a.body().contains("\"scores\"")) {
        example("valid request answered " + a.status() + ": " + cut(a.body()));
      }
    }
  }

  private void readinessLoop() {
    byte[] probe =
        "GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    while (running.get()) {
      RawHttp.Response a;
      try {
        a = RawHttp.exchange(port, probe);
      } catch (IOException e) {
        a = RawHttp.Response.NONE;
      }
      readyProbes.incrementAndGet();
      if (a.status() != 200) {
        readyNot200.incrementAndGet();
        example("readiness answered " + a.status() + ": " + cut(a.body()));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  private void example(String what) {
    wrongCount.incrementAndGet();
    if (wrong.size() < MAX_EXAMPLES) {
      wrong.add(what);
    }
  }

  private static String cut(String s) {
    return s.length() <= 160 ? s : s.substring(0, 160) + "...";
  }

  /** Stops the background clients and returns everything answered. */
  Result stop() throws InterruptedException {
    running.set(false);
    background.shutdown();
    background.awaitTermination(2, TimeUnit.MINUTES);
    Map<HttpAttack, Map<Integer, Long>> attacks = new EnumMap<>(HttpAttack.class);
    attackAnswers.forEach((k, m) -> attacks.put(k, snapshot(m)));
    return new Result(
        attacks,
        snapshot(validAnswers),
        readyProbes.get(),
        readyNot200.get(),
        wrongCount.get(),
        List.copyOf(wrong));
  }

  private static Map<Integer, Long> snapshot(Map<Integer, AtomicLong> m) {
    Map<Integer, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    background.shutdownNow();
  }
}
