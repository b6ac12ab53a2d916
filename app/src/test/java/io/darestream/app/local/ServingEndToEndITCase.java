package io.darestream.app.local;

import static io.darestream.app.testing.ServedModelAssertions.assertServesExactly;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.darestream.app.testing.TrainAndServe;
import io.darestream.app.testing.TrainAndServe.Topics;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.ReplayOutput;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import io.darestream.serving.ServingServer;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotManifest;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trainer to serving in one JVM (DESIGN.md §5, §6): embedded Kafka, the dare-train job on a
 * MiniCluster, and a {@link ServingServer} that follows the job's snapshots, deltas and behaviours
 * while it runs. After the bounded replay serving holds exactly the trainer's final model and its
 * HTTP scores are {@code DareModel.score} on that model; a corrupt newest snapshot is refused and
 * the previous one served; deltas of an older epoch are ignored; bad requests get their 4xx.
 *
 * <p>The trainer here is the single trainer ({@code dare.trainer.sharded false}), whose snapshots
 * are whole models; {@link ShardedServingITCase} follows the default sharded stage's snapshot sets
 * and checks its HTTP scores with {@link #assertScoresOverHttpEqualTheModel}.
 */
class ServingEndToEndITCase {
  private static final String MODEL_ID = "dare";
  private static final String EVENTS = "e2e-events";
  private static final String DELTAS = "e2e-deltas";
  private static final String SNAPSHOTS = "e2e-snapshots";
  private static final Topics TOPICS = new Topics(EVENTS, DELTAS, SNAPSHOTS);

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path tmp;

  @Test
  @Timeout(150)
  void servingFollowsTheTrainerToItsFinalModel() throws Exception {
    List<BehaviorEvent> events = TrainAndServe.clickOnlyEvents(31);
    Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));

    // Serving starts first, before any snapshot or topic exists, as it would in a deployment
    // that comes up with the trainer: it waits, loads the first announced snapshot, then tails.
    try (ServingServer serving =
        TrainAndServe.startServing(KAFKA, TOPICS, snapshots, tmp.resolve("serving-live"))) {
      assertThat(serving.modelStatus()).isEmpty();
      assertThat(get(serving, "/health/ready").statusCode()).isEqualTo(503);

      ReplayOutput out =
          TrainAndServe.replay(KAFKA, tmp, events, TOPICS, snapshots)
              // The second half only after a snapshot with training in it: at least two snapshots
              // exist at the end whatever the machine's speed (the fallback check needs an older
              // one; a fast machine once trained the whole stream within one checkpoint).
              .optHoldBackFrom(events.size() / 2)
              .optConfig(TrainerOptions.SHARDED, false)
              .build()
              .run();

      // The trainer's final model: the snapshot of the final checkpoint, taken after the end of
      // input was trained and published (no delta is newer than it).
      VerifiedSnapshot last = out.newestSnapshot().orElseThrow();
      ModelVersion finalPosition =
          new ModelVersion(last.manifest().epoch(), last.manifest().version());
      long newestDeltaVersion =
          out.deltas().stream().mapToLong(ModelDelta::getVersion).max().orElseThrow();
      assertThat(finalPosition).isEqualTo(new ModelVersion(1, newestDeltaVersion));
      DareModel trainer;
      try (ModelStore store = last.openStore()) {
        trainer = ModelStoreSync.load(store);
      }

      Awaitility.await("serving at the trainer's final position " + finalPosition)
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> serving.modelStatus().map(ModelStatus::position),
              p -> p.isPresent() && p.get().equals(finalPosition));
      assertServesExactly(serving, trainer);

      assertScoresOverHttpEqualTheModel(serving, trainer, events);
      assertOlderEpochDeltaIgnored(serving, trainer);
      assertBadRequestsRefused(serving);
      assertCorruptNewestSnapshotRefused(serving, snapshots, last);
    }
  }

  /**
   * Serving's HTTP scores for a user of {@code events} (once serving stored all of them) are {@code
   * trainer.score} of that user's history, to the bit; picks are the user's behaviours; an unknown
   * user is scored with an empty history.
   */
  static void assertScoresOverHttpEqualTheModel(
      ServingServer serving, DareModel trainer, List<BehaviorEvent> events) throws Exception {
    long user = events.get(events.size() / 2).getUserId();
    List<BehaviorEvent> behaviours =
        events.stream()
            .filter(e -> e.getUserId() == user && e.getType() != BehaviorType.IMPRESSION)
            .sorted(Comparator.comparingLong(BehaviorEvent::getEventTimeMs).reversed())
            .toList();
    // Serving's sequence feed is its own consumer of the events topic: wait until it has stored
    // every behaviour (nothing else is in the topic), then its history is the user's whole one.
    Awaitility.await("serving stored every behaviour")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                serving.metrics().registry().get("serving.behaviors.stored").counter().count()
                    >= events.size());
    assertThat(get(serving, "/health/ready").statusCode()).isEqualTo(200);

    int max = trainer.config().maxHistory();
    List<BehaviorEvent> history = behaviours.subList(0, Math.min(max, behaviours.size()));
    long[] historyItems = history.stream().mapToLong(BehaviorEvent::getItemId).toArray();
    long[] historyCategories = history.stream().mapToLong(BehaviorEvent::getCategoryId).toArray();
    long[] items = {1, 7, 42, 99, 150, 100_000}; // the last is unknown: its initial row
    long[] categories = {3, 5, 1, 19, 20, 7};
    float[] expected = trainer.score(historyItems, historyCategories, items, categories);

    StringBuilder body =
        new StringBuilder("{\"user_id\": " + user + ", \"explain\": true, \"candidates\": [");
    for (int i = 0; i < items.length; i++) {
      body.append(i == 0 ? "" : ", ")
          .append("{\"item_id\": ")
          .append(items[i])
          .append(", \"category_id\": ")
          .append(categories[i])
          .append('}');
    }
    HttpResponse<String> r = post(serving, "/v1/score", body.append("]}").toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode json = JSON.readTree(r.body());
    float[] served = new float[items.length];
    for (int i = 0; i < items.length; i++) {
      served[i] = json.get("scores").get(i).decimalValue().floatValue();
    }
    assertThat(served).isEqualTo(expected);
    assertThat(json.get("epoch").asLong()).isEqualTo(1);
    assertThat(json.get("user_known").asBoolean()).isTrue();
    // DARE's search is inspectable: each candidate's picks are behaviours of this user.
    assertThat(json.get("retrieved")).hasSize(items.length);
    for (JsonNode picks : json.get("retrieved")) {
      assertThat(picks.size()).isBetween(1, trainer.config().topK());
      for (JsonNode pick : picks) {
        int position = pick.get("position").asInt();
        assertThat(position).isBetween(1, history.size());
        assertThat(pick.get("item_id").asLong()).isEqualTo(historyItems[position - 1]);
      }
    }

    // An unknown user is scored with an empty history, and the response says so.
    HttpResponse<String> unknown =
        post(
            serving,
            "/v1/score",
            "{\"user_id\": 987654321, \"candidates\": [{\"item_id\": 7, \"category_id\": 5}]}");
    assertThat(unknown.statusCode()).isEqualTo(200);
    JsonNode u = JSON.readTree(unknown.body());
    assertThat(u.get("user_known").asBoolean()).isFalse();
    assertThat(u.get("scores").get(0).decimalValue().floatValue())
        .isEqualTo(trainer.score(new long[0], new long[0], new long[] {7}, new long[] {5})[0]);
  }

  /** A delta of epoch 0 (before this trainer's epoch 1) changes nothing and is counted. */
  private static void assertOlderEpochDeltaIgnored(ServingServer serving, DareModel trainer)
      throws Exception {
    EmbeddingTable table = trainer.table("att.item");
    long id = table.ids()[0];
    float[] before = serving.readWeights(table.name(), id);
    ModelVersion position = serving.modelStatus().orElseThrow().position();
    float[] garbage = new float[table.dim()];
    java.util.Arrays.fill(garbage, 123.0f);
    ModelDelta stale =
        ModelDelta.newBuilder()
            .setModelId(MODEL_ID)
            .setEpoch(0)
            .setVersion(position.version() + 1_000)
            .setTable(table.name())
            .setDim(table.dim())
            .setRows(List.of(new DeltaRow(id, ModelDeltas.packRow(garbage))))
            .setNewestEventTimeMs(0)
            .setPublishTimeMs(System.currentTimeMillis())
            .build();
    double ignoredBefore = serving.metrics().deltasIgnoredStaleEpochCount();
    produce(DELTAS, MODEL_ID + "/" + table.name(), Codecs.MODEL_DELTA.encode(stale));

    Awaitility.await("stale-epoch delta counted")
        .atMost(Duration.ofSeconds(20))
        .until(() -> serving.metrics().deltasIgnoredStaleEpochCount() > ignoredBefore);
    assertThat(serving.readWeights(table.name(), id)).isEqualTo(before);
    assertThat(serving.modelStatus().orElseThrow().position()).isEqualTo(position);
  }

  /** The documented 4xx answers, JSON with an error, never a stack trace. */
  private static void assertBadRequestsRefused(ServingServer serving) throws Exception {
    Map<String, Integer> cases = new LinkedHashMap<>();
    cases.put("{\"user_id\": 1, \"candidates\": [", 400); // malformed JSON
    cases.put(
        "{\"user_id\": \"one\", \"candidates\": [{\"item_id\": 1, \"category_id\": 1}]}", 400);
    cases.put("{\"user_id\": 1, \"candidates\": [{\"item_id\": -5, \"category_id\": 1}]}", 400);
    cases.put("{\"user_id\": -1, \"candidates\": [{\"item_id\": 5, \"category_id\": 1}]}", 400);
    cases.put("{\"candidates\": [{\"item_id\": 5, \"category_id\": 1}]}", 400); // no user
    cases.put(
        "{\"user_id\": 1, \"candidates\": ["
            + IntStream.range(0, 1_001)
                .mapToObj(i -> "{\"item_id\": " + i + ", \"category_id\": 1}")
                .collect(Collectors.joining(","))
            + "]}",
        400); // more than the default 1,000 candidates
    cases.put(
        "{\"user_id\": 1, \"pad\": \"" + "x".repeat(1 << 20) + "\", \"candidates\": []}", 413);
    for (Map.Entry<String, Integer> c : cases.entrySet()) {
      HttpResponse<String> r = post(serving, "/v1/score", c.getKey());
      String what = c.getKey().substring(0, Math.min(80, c.getKey().length()));
      assertThat(r.statusCode()).as(what).isEqualTo(c.getValue());
      JsonNode error = JSON.readTree(r.body());
      assertThat(error.get("error").asText()).as(what).isNotBlank();
      assertThat(r.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ");
    }
    HttpResponse<String> negative =
        post(
            serving,
            "/v1/score",
            "{\"user_id\": 1, \"candidates\": [{\"item_id\": -5, \"category_id\": 1}]}");
    assertThat(JSON.readTree(negative.body()).get("field").asText())
        .isEqualTo("candidates[0].item_id");
  }

  /**
   * The newest snapshot damaged on disk: a server starting on the directory refuses it (counted)
   * and serves the one before; the running server does not reload it.
   */
  private static void assertCorruptNewestSnapshotRefused(
      ServingServer live, Path snapshots, VerifiedSnapshot newest) throws Exception {
    List<Path> valid;
    try (Stream<Path> dirs = Files.list(snapshots)) {
      valid = dirs.filter(Files::isDirectory).toList();
    }
    SnapshotManifest previous =
        valid.stream()
            .filter(d -> !d.equals(newest.directory()))
            .map(SnapshotReader::readManifest)
            .max(SnapshotManifest::compareAge)
            .orElseThrow(() -> new AssertionError("only one snapshot was published"));
    corruptOneDataFile(newest.dataDirectory());

    double refusedBefore = live.metrics().snapshotsRefusedCount();
    assertThat(live.reloadNewestSnapshot()).isFalse();
    assertThat(live.metrics().snapshotsRefusedCount()).isGreaterThan(refusedBefore);

    try (ServingServer restarted =
        ServingServer.builder()
            .setSnapshotDir(snapshots)
            .setDataDir(tmp.resolve("serving-restarted"))
            .optHost("127.0.0.1")
            .optPort(0)
            .build()
            .start()) {
      ModelStatus status = restarted.modelStatus().orElseThrow();
      assertThat(status.position())
          .isEqualTo(new ModelVersion(previous.epoch(), previous.version()));
      assertThat(Path.of(status.snapshot()).getFileName())
          .isNotEqualTo(newest.directory().getFileName());
      assertThat(restarted.metrics().snapshotsRefusedCount()).isGreaterThanOrEqualTo(1);
    }
  }

  /**
   * Flips one byte in the middle of the largest data file that belongs to this snapshot alone
   * (sizes stay, the checksum does not). Snapshots share unchanged SST files as hard links, so
   * damaging a shared one would damage every retained snapshot at once.
   */
  private static void corruptOneDataFile(Path dataDir) throws IOException {
    Path victim;
    try (Stream<Path> files = Files.walk(dataDir)) {
      victim =
          files
              .filter(Files::isRegularFile)
              .filter(f -> links(f) == 1)
              .max(Comparator.comparingLong(ServingEndToEndITCase::size))
              .orElseThrow(() -> new AssertionError("no file of its own in " + dataDir));
    }
    try (FileChannel ch =
        FileChannel.open(victim, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      long at = ch.size() / 2;
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0xFF));
      b.rewind();
      ch.write(b, at);
    }
  }

  private static int links(Path p) {
    try {
      return (Integer) Files.getAttribute(p, "unix:nlink");
    } catch (IOException e) {
      return -1;
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return -1;
    }
  }

  private static void produce(String topic, String key, byte[] value) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(KAFKA.kafka().producerProperties())) {
      producer
          .send(
              new ProducerRecord<>(
                  topic, key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value))
          .get();
    }
  }

  private static HttpResponse<String> get(ServingServer s, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(ServingServer s, String path, String body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
