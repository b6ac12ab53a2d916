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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer on a real server and port, with a scorer that echoes what it was asked. */
class HttpApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelVersion VERSION = new ModelVersion(3, 42);

  private final HttpClient client = HttpClient.newHttpClient();
  private final AtomicReference<RuntimeException> scorerFailure = new AtomicReference<>();
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
            retrieved.add(List.of(new RetrievedBehavior(9, 8, 1, 1.0f)));
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
    api = new HttpApi(echo, state, metrics, new RequestLimits(2048, 5), "127.0.0.1", 0, 4).start();
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
    scorerFailure.set(new IllegalStateException("secret internal detail"));

    HttpResponse<String> r =
        post("/v1/score", "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}]}");

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("{\"error\":\"internal error\",\"field\":null}");
  }

  @Test
  void noModelYetGets503() throws Exception {
    scorerFailure.set(new ModelNotReadyException("no model loaded yet"));

    HttpResponse<String> r =
        post("/v1/score", "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}]}");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("no model loaded yet");
  }

  @Test
  void unknownPathAndWrongMethodGetJsonErrors() throws Exception {
    HttpResponse<String> missing = get("/v2/nothing");
    HttpResponse<String> wrongMethod = get("/v1/score");

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).get("error").asText()).contains("/v2/nothing");
    assertThat(wrongMethod.statusCode()).isIn(404, 405);
    assertThat(JSON.readTree(wrongMethod.body()).has("error")).isTrue();
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
    post("/v1/score", "{\"user_id\":1,\"candidates\":[{\"item_id\":1,\"category_id\":1}]}");

    HttpResponse<String> r = get("/metrics");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("serving_score_latency_seconds_bucket")
        .contains("serving_scores_total 1.0")
        .contains("serving_deltas_ignored_total{reason=\"stale_epoch\"}")
        .contains("serving_snapshots_refused_total")
        .contains("serving_freshness_lag_ms");
  }
}
