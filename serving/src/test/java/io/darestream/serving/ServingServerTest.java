package io.darestream.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Explanation;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.serving.fixtures.LoopbackServers;
import io.darestream.serving.fixtures.TrainedModels;
import io.darestream.state.sequence.BehaviorCodes;
import io.darestream.state.sequence.SequenceStore;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole service without Kafka: bootstrap from a real snapshot, histories from the real sequence
 * store, HTTP on a real port. Includes the parity check: serving's scores and search picks are
 * exactly the model module's for the same model state and input.
 */
class ServingServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long USER = 11;
  private static final long[] CANDIDATE_ITEMS = {3, 17, 150, 199, 100_000};
  private static final long[] CANDIDATE_CATEGORIES = {3, 7, 0, 9, 4};

  @TempDir Path snapshots;
  @TempDir Path work;
  @TempDir Path data;

  /** Stores {@code n} behaviours of USER (oldest first) and returns them newest first. */
  private long[][] storeHistory(int n) {
    long[] items = new long[n];
    long[] cats = new long[n];
    try (SequenceStore store = SequenceStore.builder().setPath(data.resolve("sequences")).open()) {
      for (int i = 0; i < n; i++) {
        long item = (i * 37L) % 200;
        store.append(
            USER,
            1_000 + i,
            item,
            item % 10,
            1_700_000_000_000L + i * 1_000L,
            BehaviorCodes.code(BehaviorType.CLICK));
        items[n - 1 - i] = item;
        cats[n - 1 - i] = item % 10;
      }
    }
    return new long[][] {items, cats};
  }

  private String request(long user, boolean explain) {
    StringBuilder sb =
        new StringBuilder("{\"user_id\":").append(user).append(",\"explain\":").append(explain);
    sb.append(",\"candidates\":[");
    for (int i = 0; i < CANDIDATE_ITEMS.length; i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"item_id\":")
          .append(CANDIDATE_ITEMS[i])
          .append(",\"category_id\":")
          .append(CANDIDATE_CATEGORIES[i])
          .append('}');
    }
    return sb.append("]}").toString();
  }

  private JsonNode post(ServingServer server, String body) throws Exception {
    HttpResponse<String> r = LoopbackServers.post(server, "/v1/score", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private ServingServer start() {
    return LoopbackServers.builder(snapshots, data).optThreads(2).build().start();
  }

  @ParameterizedTest(name = "search logit weight {0}, exact match {1}")
  @CsvSource({"0,false", "1,true"})
  void scoresAndSearchPicksEqualTheModelModulesForTheSameStateAndInput(
      float searchLogitWeight, boolean exactMatch) throws Exception {
    DareConfig config =
        TrainedModels.smallConfig(40).toBuilder()
            .searchLogitWeight(searchLogitWeight)
            .exactMatch(exactMatch)
            .build();
    DareModel trainer = TrainedModels.train(DareModel.create(config), 6, 3);
    TrainedModels.publish(trainer, snapshots, work, 2, 5, 0);
    long[][] history = storeHistory(60); // longer than maxHistory: both cut to the newest 40

    try (ServingServer server = start()) {
      JsonNode body = post(server, request(USER, true));

      float[] expected =
          trainer.score(history[0], history[1], CANDIDATE_ITEMS, CANDIDATE_CATEGORIES);
      List<Explanation> explained =
          trainer.explain(history[0], history[1], CANDIDATE_ITEMS, CANDIDATE_CATEGORIES);
      assertThat(body.get("user_known").asBoolean()).isTrue();
      assertThat(body.get("epoch").asLong()).isEqualTo(2);
      assertThat(body.get("model_version").asLong()).isEqualTo(trainer.version());
      for (int i = 0; i < expected.length; i++) {
        assertThat(body.get("scores").get(i).floatValue()).isEqualTo(expected[i]);
        JsonNode picks = body.get("retrieved").get(i);
        assertThat(picks).hasSize(explained.get(i).retrieved().size());
        for (int j = 0; j < picks.size(); j++) {
          var want = explained.get(i).retrieved().get(j);
          assertThat(picks.get(j).get("item_id").asLong()).isEqualTo(want.item());
          assertThat(picks.get(j).get("category_id").asLong()).isEqualTo(want.category());
          assertThat(picks.get(j).get("position").asInt()).isEqualTo(want.position());
          assertThat(picks.get(j).get("attention_score").floatValue()).isEqualTo(want.score());
          assertThat(picks.get(j).get("weight").floatValue()).isEqualTo(want.weight());
        }
      }
    }
  }

  @Test
  void anUnknownUserIsScoredWithAnEmptyHistoryAndTheResponseSaysSo() throws Exception {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(40)), 2, 3);
    TrainedModels.publish(trainer, snapshots, work, 1, 1, 0);

    try (ServingServer server = start()) {
      JsonNode body = post(server, request(999, false));

      float[] expected =
          trainer.score(new long[0], new long[0], CANDIDATE_ITEMS, CANDIDATE_CATEGORIES);
      assertThat(body.get("user_known").asBoolean()).isFalse();
      for (int i = 0; i < expected.length; i++) {
        assertThat(body.get("scores").get(i).floatValue()).isEqualTo(expected[i]);
      }
    }
  }

  @Test
  void withoutASnapshotItIsLiveButNotReadyThenLoadsOneWhenAsked() throws Exception {
    try (ServingServer server = start()) {
      assertThat(status(server, "/health/live")).isEqualTo(200);
      assertThat(status(server, "/health/ready")).isEqualTo(503);
      assertThat(status(server, "/v1/model")).isEqualTo(503);

      DareModel trainer =
          TrainedModels.train(DareModel.create(TrainedModels.smallConfig(40)), 2, 3);
      TrainedModels.publish(trainer, snapshots, work, 1, 1, 0);
      assertThat(server.reloadNewestSnapshot()).isTrue();

      assertThat(status(server, "/health/ready")).isEqualTo(200);
      assertThat(server.modelStatus().orElseThrow().position().version())
          .isEqualTo(trainer.version());
      assertThat(server.reloadNewestSnapshot()).as("nothing newer").isFalse();
    }
  }

  @Test
  void readinessSaysSoWhenNoKafkaBrokerAnswers() throws Exception {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String kafka = "127.0.0.1:" + closed;
    try (ServingServer server =
        LoopbackServers.builder(snapshots, data)
            .optThreads(2)
            .optKafka(io.darestream.serving.kafka.KafkaSettings.of(kafka))
            .build()
            .start()) {
      // A real consumer: its metadata request times out after 5 s, then readiness says why.
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> LoopbackServers.get(server, "/health/ready").body().contains("Kafka at"));
      HttpResponse<String> ready = LoopbackServers.get(server, "/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body())
          .contains(
              "sequence feed has not caught up with behavior-events (Kafka at "
                  + kafka
                  + ": cannot read its partitions: org.apache.kafka.common.errors.TimeoutException");
      assertThat(status(server, "/health/live")).isEqualTo(200);
    }
  }

  @Test
  void modelInfoNamesTheSnapshotAndCountsRows() throws Exception {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(40)), 2, 3);
    Path snapshot = TrainedModels.publish(trainer, snapshots, work, 4, 9, 0);

    try (ServingServer server = start()) {
      JsonNode body = JSON.readTree(LoopbackServers.get(server, "/v1/model").body());

      assertThat(body.get("model_id").asText()).isEqualTo(TrainedModels.MODEL_ID);
      assertThat(body.get("epoch").asLong()).isEqualTo(4);
      assertThat(body.get("snapshot").asText()).isEqualTo(snapshot.toString());
      assertThat(body.get("rows_per_table").get("att.item").asLong())
          .isEqualTo(trainer.table("att.item").size());
    }
  }

  /** The event policy's max id bounds request ids too: what the feed refuses cannot be scored. */
  @Test
  void refusesRequestIdsAboveTheEventPolicysMaxId() throws Exception {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(40)), 2, 3);
    TrainedModels.publish(trainer, snapshots, work, 1, 1, 0);

    try (ServingServer server =
        LoopbackServers.builder(snapshots, data)
            .optThreads(2)
            .optEventPolicy(EventPolicy.builder().optMaxId(100_000).build())
            .build()
            .start()) {
      HttpResponse<String> tooLarge =
          LoopbackServers.post(
              server,
              "/v1/score",
              "{\"user_id\":100001,\"candidates\":[{\"item_id\":3,\"category_id\":3}]}");

      assertThat(tooLarge.statusCode()).isEqualTo(400);
      JsonNode error = JSON.readTree(tooLarge.body());
      assertThat(error.get("field").asText()).isEqualTo("user_id");
      assertThat(error.get("error").asText())
          .isEqualTo("user_id 100001 is above the largest accepted id 100000 (dare.ingest.max-id)");
      assertThat(post(server, request(100_000, false)).get("scores"))
          .hasSize(CANDIDATE_ITEMS.length);
    }
  }

  private int status(ServingServer server, String path) throws Exception {
    return LoopbackServers.get(server, path).statusCode();
  }
}
