package io.darestream.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.serving.scoring.ScoreResult;
import io.darestream.serving.scoring.Scorer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slow and half-sent requests on real sockets: they must not starve health checks or valid
 * requests, and the server must end them itself. Bounds here are generous (seconds where the server
 * needs milliseconds); nothing is timed.
 */
class SlowClientTest {
  private static final String VALID_SCORE =
      "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}]}";
  // Far beyond what the probes need, so the stalled requests are surely still open meanwhile.
  private static final Duration LONG = Duration.ofSeconds(120);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
  private final ServingMetrics metrics = new ServingMetrics();
  private final List<RawConnection> raw = new ArrayList<>();
  private HttpApi api;

  private final Scorer scorer =
      request ->
          new ScoreResult(
              new ModelVersion(1, 1), new float[request.candidates().size()], false, null);

  private final ServiceState state =
      new ServiceState() {
        @Override
        public Optional<ModelStatus> model() {
          return Optional.empty();
        }

        @Override
        public List<String> notReady() {
          return List.of();
        }
      };

  private void start(ConnectionLimits connections, int healthPort) {
    // Two scoring threads, as on a small production box.
    api =
        new HttpApi(
                scorer,
                state,
                metrics,
                new RequestLimits(4096, 10),
                connections,
                "127.0.0.1",
                0,
                healthPort,
                2)
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    for (RawConnection c : raw) {
      c.close();
    }
    if (api != null) {
      api.close();
    }
  }

  /** Sends the headers and the first bytes of a 1,000-byte body, then nothing more. */
  private RawConnection stallMidBody(int port) throws Exception {
    RawConnection c = new RawConnection(port);
    raw.add(c);
    return c.send(
        "POST /v1/score HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: 1000\r\n\r\n{\"user_id\":1,");
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(PROBE_TIMEOUT)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> score(int port) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/score"))
            .timeout(PROBE_TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(VALID_SCORE))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthAndScoringAnswerWhileFiftyClientsHoldHalfSentBodies() throws Exception {
    start(new ConnectionLimits(LONG, LONG, 8192, 512), -1);
    for (int i = 0; i < 50; i++) {
      stallMidBody(api.port());
    }

    assertThat(get(api.port(), "/health/live").statusCode()).isEqualTo(200);
    assertThat(get(api.port(), "/health/ready").statusCode()).isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      assertThat(score(api.port()).statusCode()).isEqualTo(200);
    }
    assertThat(get(api.port(), "/metrics").statusCode()).isEqualTo(200);

    // Answered while every stalled request was still open, not after the server dropped them.
    for (RawConnection c : raw) {
      assertThat(c.stillWaiting()).isTrue();
    }
  }

  @Test
  void aBodyNotCompleteWithinTheBodyTimeoutIsAnswered408AndTheConnectionClosed() throws Exception {
    start(new ConnectionLimits(LONG, Duration.ofMillis(500), 8192, 512), -1);
    List<RawConnection> stalled = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      stalled.add(stallMidBody(api.port()));
    }

    for (RawConnection c : stalled) {
      String answer = c.readUntilClosed(Duration.ofSeconds(60));
      assertThat(answer).startsWith("HTTP/1.1 408").contains("{\"error\":\"request body not");
    }
    assertThat(metrics.httpRejectedCount("body_timeout")).isEqualTo(10);
    assertThat(score(api.port()).statusCode()).isEqualTo(200);
  }

  @Test
  void aSilentConnectionIsClosedAfterTheIdleTimeoutEvenMidHeaders() throws Exception {
    start(new ConnectionLimits(Duration.ofMillis(500), LONG, 8192, 512), -1);
    RawConnection midHeaders = new RawConnection(api.port());
    raw.add(midHeaders);
    midHeaders.send("POST /v1/score HTTP/1.1\r\nHost: localhost\r\nContent-Le");
    RawConnection idle = new RawConnection(api.port());
    raw.add(idle);

    midHeaders.readUntilClosed(Duration.ofSeconds(60));
    idle.readUntilClosed(Duration.ofSeconds(60));
  }

  @Test
  void theHealthPortAnswersWhenTheApiPortHasNoConnectionLeft() throws Exception {
    start(new ConnectionLimits(LONG, LONG, 8192, 5), 0);
    for (int i = 0; i < 5; i++) {
      stallMidBody(api.port());
    }

    HttpResponse<String> live = get(api.healthPort(), "/health/live");
    HttpResponse<String> scoring =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.healthPort() + "/v1/score"))
                .timeout(PROBE_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(VALID_SCORE))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(get(api.healthPort(), "/metrics").body()).contains("serving_scores_total");
    assertThat(scoring.statusCode()).as("the health port does not score").isEqualTo(404);
    assertThat(scoring.body()).contains("\"error\"");
  }
}
