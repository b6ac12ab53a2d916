package io.darestream.app.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.darestream.jobs.train.PretrainedModel;
import io.darestream.kafka.embedded.EmbeddedKafka;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.serving.ServingServer;
import io.darestream.serving.kafka.KafkaSettings;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka outage after serving started reading: its consumers poll empty without an error, as on a
 * quiet topic, so serving must say it. With a real broker stopped and started again on the same
 * port and log: the service stays ready (200) serving its model, its health body and the {@code
 * serving_feed_unanswered_seconds} gauge name the silent sequence feed, and both clear once the
 * broker answers again.
 */
class ServingFeedOutageITCase {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path tmp;

  @Test
  void aBrokerThatGoesAwayIsReportedAndItsReturnClearsIt() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = tmp.resolve("kafka");
    EmbeddedKafka broker = start(port, log);
    KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
    broker.createTopic(kafka.eventsTopic(), 1);
    broker.createTopic(kafka.deltasTopic(), 1);
    broker.createTopic(kafka.snapshotsTopic(), 1);
    Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));
    DareModel model =
        DareModel.create(
            DareConfig.builder()
                .attentionDim(4)
                .representationDim(4)
                .hiddenSizes(8)
                .maxHistory(10)
                .build());
    PretrainedModel.write(model, "dare", snapshots, Map.of());
    try (ServingServer server =
        ServingServer.builder()
            .setSnapshotDir(snapshots)
            .setDataDir(tmp.resolve("serving"))
            .optKafka(kafka)
            .optHost("127.0.0.1")
            .optPort(0)
            .build()
            .start()) {
      // Ready: the model loaded and the sequence feed caught up with its (empty) topic.
      await().atMost(Duration.ofSeconds(60)).until(() -> server.notReady().isEmpty());
      assertThat(server.warnings()).isEmpty();
      String sequenceFeed = "feed of " + kafka.eventsTopic() + ": Kafka at ";

      broker.close();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> server.warnings().stream().anyMatch(w -> w.startsWith(sequenceFeed)));
      assertThat(server.warnings())
          .anySatisfy(
              w ->
                  assertThat(w)
                      .startsWith(sequenceFeed + kafka.bootstrapServers())
                      .contains("no answer from Kafka for "));
      HttpResponse<String> ready = get(server, "/health/ready");
      assertThat(ready.statusCode()).as("serving what it has, still ready").isEqualTo(200);
      assertThat(ready.body()).contains("\"status\":\"ready\"").contains(sequenceFeed);
      assertThat(unansweredSeconds(get(server, "/metrics").body(), kafka.eventsTopic()))
          .isGreaterThan(0);

      broker = start(port, log);
      await().atMost(Duration.ofSeconds(90)).until(() -> server.warnings().isEmpty());
      assertThat(get(server, "/health/ready").body()).doesNotContain("\"warnings\"");
      assertThat(unansweredSeconds(get(server, "/metrics").body(), kafka.eventsTopic())).isZero();
    } finally {
      broker.close();
    }
  }

  private static EmbeddedKafka start(int port, Path log) {
    return EmbeddedKafka.builder().optBrokerPort(port).optLogDir(log).start();
  }

  private static HttpResponse<String> get(ServingServer server, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** The gauge's value for {@code topic} in a Prometheus scrape. */
  private static double unansweredSeconds(String scrape, String topic) {
    String prefix = "serving_feed_unanswered_seconds{topic=\"" + topic + "\"} ";
    return scrape
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + prefix + "in the scrape"));
  }
}
