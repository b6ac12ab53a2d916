package io.darestream.serving.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelNotReadyException;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.serving.scoring.RetrievedBehavior;
import io.darestream.serving.scoring.ScoreResult;
import io.darestream.serving.scoring.Scorer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer on a real server and port, with a scorer that echoes what it was asked. */
class HttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelVersion VERSION = new ModelVersion(3, 42);
  private static final String ONE_CANDIDATE =
      "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}]}";

  private final HttpClient client = HttpClient.newHttpClient();
  private final AtomicReference<RuntimeException> scorerFailure = new AtomicReference<>();
  private final AtomicBoolean nonFinite = new AtomicBoolean();
  private final ServingMetrics metrics = new ServingMetrics();
  private final List<String> notReady = new ArrayList<>();
  private HttpApi api;

  /** Scores each candidate as item_id / 1000, knows only user 1, explains with one behaviour. */
  private final Scorer echo =
      request -> {
        if (scorerFailure.get() != null) {
          throw scorerFailure.get();
        }
        float[] scores = new float[request.candidates().size()];
        List<List<RetrievedBehavior>> retrieved = request.explain() ? new ArrayList<>() : null;
        for (int i = 0; i < scores.length; i++) {
          scores[i] = request.candidates().get(i).itemId() / 1000f;
          if (retrieved != null) {
            retrieved.add(List.of(new RetrievedBehavior(9, 8, 1, 0.25f, 1.0f)));
          }
          if (nonFinite.get()) {
            scores[i] = retrieved == null ? Float.NaN : 0.5f;
            if (retrieved != null) {
              // A NaN attention score beside a finite weight is refused as a NaN weight is.
              retrieved.set(i, List.of(new RetrievedBehavior(9, 8, 1, Float.NaN, 0.5f)));
            }
          }
        }
        return new ScoreResult(VERSION, scores, request.userId() == 1, retrieved);
      };

  private final ServiceState state =
      new ServiceState() {
        @Override
        public Optional<ModelStatus> model() {
          return Optional.of(
              new ModelStatus("m", VERSION, Map.of("att.item", 10L), "/snap/1", 2, 150, 30));
        }

        @Override
        public List<String> notReady() {
          return notReady;
        }
      };

  @BeforeEach
  void start() {
    api =
        new HttpApi(
                echo,
                state,
                metrics,
                new RequestLimits(2048, 5),
                ConnectionLimits.DEFAULTS,
                "127.0.0.1",
                0,
                -1,
                4)
            .start();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postAs(String contentType, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri("/v1/score"))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + api.port() + path);
  }

  @Test
  void scoresInRequestOrderWithTheModelVersion() throws Exception {
    HttpResponse<String> r =
        post(
            "/v1/score",
            "{\"user_id\":1,\"candidates\":[{\"item_id\":250,\"category_id\":1},"
                + "{\"item_id\":500,\"category_id\":2}]}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> v.startsWith("application/json"));
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("model_version").asLong()).isEqualTo(42);
    assertThat(body.get("epoch").asLong()).isEqualTo(3);
    assertThat(body.get("scores").get(0).floatValue()).isEqualTo(0.25f);
    assertThat(body.get("scores").get(1).floatValue()).isEqualTo(0.5f);
    assertThat(body.get("user_known").asBoolean()).isTrue();
    assertThat(body.has("retrieved")).isFalse();
  }

  @Test
  void explainReturnsWhatTheSearchPickedPerCandidate() throws Exception {
    HttpResponse<String> r =
        post(
            "/v1/score",
            "{\"user_id\":2,\"explain\":true,\"candidates\":[{\"item_id\":1,\"category_id\":1},"
                + "{\"item_id\":2,\"category_id\":2}]}");

    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("user_known").asBoolean()).isFalse();
    assertThat(body.get("retrieved")).hasSize(2);
    JsonNode first = body.get("retrieved").get(0).get(0);
    assertThat(first.get("item_id").asLong()).isEqualTo(9);
    assertThat(first.get("category_id").asLong()).isEqualTo(8);
    assertThat(first.get("position").asInt()).isEqualTo(1);
    assertThat(first.get("attention_score").floatValue()).isEqualTo(0.25f);
    assertThat(first.get("weight").floatValue()).isEqualTo(1.0f);
  }

  @Test
  void badFieldsGet400NamingTheField() throws Exception {
    HttpResponse<String> r =
        post("/v1/score", "{\"user_id\":1,\"candidates\":[{\"item_id\":-3,\"category_id\":1}]}");

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("field").asText()).isEqualTo("candidates[0].item_id");
    assertThat(body.get("error").asText()).contains(">= 0");
  }

  @Test
  void malformedJsonGets400WithNullField() throws Exception {
    HttpResponse<String> r = post("/v1/score", "{\"user_id\":");

    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("error").asText()).startsWith("malformed JSON");
    assertThat(body.get("field").isNull()).isTrue();
  }

  @Test
  void tooManyCandidatesGets400() throws Exception {
    StringBuilder sb = new StringBuilder("{\"user_id\":1,\"candidates\":[");
    for (int i = 0; i < 6; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"item_id\":1,\"category_id\":1}");
    }
    HttpResponse<String> r = post("/v1/score", sb.append("]}").toString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("error").asText()).contains("at most 5");
  }

  @Test
  void oversizedBodyGets413() throws Exception {
    HttpResponse<String> r =
        post("/v1/score", "{\"user_id\":1,\"pad\":\"" + "x".repeat(4000) + "\"}");

    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(r.body()).get("error").asText()).contains("2048 bytes");
  }

  @Test
  void unexpectedFailuresGet500WithoutAStackTrace() throws Exception {
    HttpResponse<String> r =
        scoreWhileTheScorerThrows(new IllegalStateException("secret internal detail"));

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("{\"error\":\"internal error\",\"field\":null}");
  }

  @Test
  void noModelYetGets503() throws Exception {
    HttpResponse<String> r =
        scoreWhileTheScorerThrows(new ModelNotReadyException("no model loaded yet"));

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("no model loaded yet");
  }

  @Test
  void unknownPathsGet404AndWrongMethodsOnKnownPaths405WithAllow() throws Exception {
    HttpResponse<String> missing = get("/v2/nothing");
    HttpResponse<String> getScore = get("/v1/score");
    HttpResponse<String> postLive = post("/health/live", "{}");
    HttpResponse<String> deleteModel =
        client.send(
            HttpRequest.newBuilder(uri("/v1/model")).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).get("error").asText()).contains("/v2/nothing");
    assertThat(getScore.statusCode()).isEqualTo(405);
    assertThat(getScore.headers().firstValue("Allow")).contains("POST");
    assertThat(JSON.readTree(getScore.body()).get("error").asText()).contains("use POST");
    assertThat(postLive.statusCode()).isEqualTo(405);
    assertThat(postLive.headers().firstValue("Allow")).contains("GET");
    assertThat(deleteModel.statusCode()).isEqualTo(405);
    assertThat(deleteModel.headers().firstValue("Allow")).contains("GET");
  }

  @Test
  void aBodyDeclaredAsSomethingOtherThanJsonGets415() throws Exception {
    String valid = "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}]}";
    HttpResponse<String> form = postAs("application/x-www-form-urlencoded", valid);
    HttpResponse<String> text = postAs("text/plain", valid);
    HttpResponse<String> jsonWithCharset = postAs("application/json; charset=utf-8", valid);

    assertThat(form.statusCode()).isEqualTo(415);
    assertThat(JSON.readTree(form.body()).get("error").asText())
        .contains("application/json")
        .contains("application/x-www-form-urlencoded");
    assertThat(text.statusCode()).isEqualTo(415);
    assertThat(jsonWithCharset.statusCode()).isEqualTo(200);
  }

  @Test
  void nonFiniteScoresAreRefusedNeverWrittenAsNaN() throws Exception {
    nonFinite.set(true);

    HttpResponse<String> r = post("/v1/score", ONE_CANDIDATE);
    HttpResponse<String> explained =
        post(
            "/v1/score",
            "{\"user_id\":1,\"explain\":true,"
                + "\"candidates\":[{\"item_id\":1,\"category_id\":1}]}");

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).doesNotContain("NaN").doesNotContain("Infinity");
    assertThat(JSON.readTree(r.body()).get("error").asText()).contains("non-finite");
    assertThat(explained.statusCode()).isEqualTo(500);
    assertThat(explained.body()).doesNotContain("NaN").doesNotContain("Infinity");
    assertThat(get("/metrics").body()).contains("serving_scores_nonfinite_total 2.0");
  }

  @Test
  void everyErrorIsJsonAndNeverNamesAJavaClass() throws Exception {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("bad URI", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n");
    raw.put(
        "bad Content-Length", "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: ab\r\n\r\n");
    raw.put(
        "headers over the limit",
        "GET /health/live HTTP/1.1\r\nX: " + "a".repeat(20_000) + "\r\n\r\n");
    raw.put(
        "broken chunked framing",
        "POST /v1/score HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n");
    raw.put(
        "unknown charset",
        "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=nope\r\n"
            + "Content-Length: 2\r\n\r\n{}");
    raw.put(
        "body cut short",
        "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"user_id\"");
    Map<String, String> answers = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      try (RawConnection c = new RawConnection(api.port())) {
        c.send(e.getValue());
        c.shutdownOutput();
        answers.put(e.getKey(), c.readUntilClosed(Duration.ofSeconds(30)));
      }
    }
    // Exceptions whose messages carry class names.
    scorerFailure.set(new ModelNotReadyException("java.lang.IllegalStateException: store closed"));
    answers.put("class in a 503", post("/v1/score", "{\"user_id\":1,\"candidates\":[]}").body());
    scorerFailure.set(new ApiException(400, "org.example.Secret: NullPointerException", null));
    answers.put("class in a 400", post("/v1/score", "{\"user_id\":1,\"candidates\":[]}").body());

    answers.forEach(
        (what, answer) -> {
          String body = answer.substring(answer.indexOf('{') < 0 ? 0 : answer.indexOf('{'));
          assertThat(answer).as(what).doesNotStartWith("HTTP/1.1 5");
          assertThat(body).as(what).startsWith("{\"error\":");
          assertThat(body)
              .as(what)
              .doesNotContainPattern("(?:[a-z_]\\w*\\.)+[A-Z]\\w*")
              .doesNotContain("Exception");
        });
  }

  @Test
  void aBodyFarOverTheLimitGets413BeforeTheConnectionCloses() throws Exception {
    byte[] huge = new byte[5 << 20];
    java.util.Arrays.fill(huge, (byte) ' ');
    HttpResponse<String> fixedLength =
        client.send(
            HttpRequest.newBuilder(uri("/v1/score"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(huge))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> chunked =
        client.send(
            HttpRequest.newBuilder(uri("/v1/score"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(huge)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String declaredHuge;
    try (RawConnection c = new RawConnection(api.port())) {
      c.send("POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n");
      c.send(new byte[256 * 1024]);
      declaredHuge = c.readResponseStart(Duration.ofSeconds(30));
    }

    assertThat(fixedLength.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(fixedLength.body()).get("error").asText()).contains("2048 bytes");
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(declaredHuge).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
    assertThat(metrics.httpRejectedCount("body_too_large")).isEqualTo(3);
  }

  @Test
  void readinessFollowsTheServiceState() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);

    notReady.add("sequence feed not caught up");
    HttpResponse<String> r = get("/health/ready");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(r.body()).get("reasons").get(0).asText())
        .isEqualTo("sequence feed not caught up");
  }

  @Test
  void modelInfoReportsVersionRowsAndFreshness() throws Exception {
    JsonNode body = JSON.readTree(get("/v1/model").body());

    assertThat(body.get("model_id").asText()).isEqualTo("m");
    assertThat(body.get("epoch").asLong()).isEqualTo(3);
    assertThat(body.get("version").asLong()).isEqualTo(42);
    assertThat(body.get("rows_per_table").get("att.item").asLong()).isEqualTo(10);
    assertThat(body.get("snapshot").asText()).isEqualTo("/snap/1");
    assertThat(body.get("freshness_lag_ms").asLong()).isEqualTo(150);
  }

  @Test
  void metricsExposeLatencyAndScoreCount() throws Exception {
    post("/v1/score", ONE_CANDIDATE);

    HttpResponse<String> r = get("/metrics");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("serving_score_latency_seconds_bucket")
        .contains("serving_scores_total 1.0")
        .contains("serving_deltas_ignored_total{reason=\"stale_epoch\"}")
        .contains("serving_snapshots_refused_total")
        .contains("serving_freshness_lag_ms");
  }

  private HttpResponse<String> scoreWhileTheScorerThrows(RuntimeException failure)
      throws Exception {
    scorerFailure.set(failure);
    return post("/v1/score", ONE_CANDIDATE);
  }
}
