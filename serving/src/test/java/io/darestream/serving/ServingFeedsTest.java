package io.darestream.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.darestream.model.DareModel;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.testing.Events;
import io.darestream.schemas.testing.ForgedRecords;
import io.darestream.schemas.testing.ForgedRecords.Forged;
import io.darestream.schemas.validate.Violation;
import io.darestream.serving.fixtures.LoopbackServers;
import io.darestream.serving.fixtures.TrainedModels;
import io.darestream.serving.kafka.KafkaSettings;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole service with its behaviour feed driven through Kafka's MockConsumer: forged records do
 * not stop the feed from applying the next good event, and a feed whose thread dies makes readiness
 * fail with the reason.
 */
class ServingFeedsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KafkaSettings KAFKA = KafkaSettings.of("unused:9092");
  private static final String EVENTS = KAFKA.eventsTopic();
  private static final TopicPartition P0 = new TopicPartition(EVENTS, 0);

  @TempDir Path snapshots;
  @TempDir Path work;
  @TempDir Path data;

  private final FeedConsumer events = new FeedConsumer();
  private ServingServer server;
  private long offset;

  /**
   * A MockConsumer that waits a little when it has nothing (a real poll blocks; MockConsumer's
   * returns at once and the tailer would spin) and can be told to throw an Error from poll. The
   * wait is outside MockConsumer's lock, so that records can be added meanwhile.
   */
  private static final class FeedConsumer extends MockConsumer<byte[], byte[]> {
    private volatile Error failure;

    FeedConsumer() {
      super("earliest");
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
      if (failure != null) {
        throw failure;
      }
      ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
      if (records.isEmpty()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
      return records;
    }
  }

  @BeforeEach
  void start() {
    Node node = new Node(0, "localhost", 9092);
    events.updatePartitions(
        EVENTS, List.of(new PartitionInfo(EVENTS, 0, node, new Node[] {node}, new Node[] {node})));
    events.updateBeginningOffsets(Map.of(P0, 0L));
    events.updateEndOffsets(Map.of(P0, 0L));
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(40)), 2, 3);
    TrainedModels.publish(trainer, snapshots, work, 1, 1, 0);
    server =
        LoopbackServers.builder(snapshots, data)
            .optThreads(2)
            .optKafka(KAFKA)
            // The model topics have no partitions here: their tailers wait for them to appear.
            .optConsumers(topic -> topic.equals(EVENTS) ? events : new MockConsumer<>("earliest"))
            .build()
            .start();
    await().atMost(Duration.ofSeconds(20)).until(() -> events.assignment().contains(P0));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return LoopbackServers.get(server, path);
  }

  private boolean userKnown(long user) throws Exception {
    String body = "{\"user_id\":" + user + ",\"candidates\":[{\"item_id\":3,\"category_id\":3}]}";
    HttpResponse<String> r = LoopbackServers.post(server, "/v1/score", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode json = JSON.readTree(r.body());
    return json.get("user_known").asBoolean();
  }

  private void send(byte[] key, byte[] value) {
    events.addRecord(new ConsumerRecord<>(EVENTS, 0, offset++, key, value));
  }

  @Test
  void forgedRecordsDoNotStopTheFeedFromApplyingTheNextGoodEvent() throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> get("/health/ready").statusCode() == 200);
    long refused = 0;
    long maybeLate = 0;
    for (Forged f : new ForgedRecords(2_000, 11, 5_000_000)) {
      send(f.key(), f.value());
      // Sent now: the feed measures the future from the record's time, i.e. about now.
      String outcome = ForgedRecords.outcomeAt(f.value(), System.currentTimeMillis());
      if (outcome.equals(Violation.LATE_EVENT)) {
        // Late only once the feed's periodic watermark has caught up with the stream: a burst read
        // within the first 200 ms is judged against no watermark yet, as the job's would be.
        maybeLate++;
      } else if (!outcome.equals(ForgedRecords.ACCEPTED)) {
        refused++;
      }
    }
    long newUser = 42_424_242L;
    BehaviorEvent click = Events.click(newUser, 3, 3, ForgedRecords.BASE_TIME_MS);
    assertThat(userKnown(newUser)).isFalse();
    send("42424242".getBytes(StandardCharsets.UTF_8), Codecs.BEHAVIOR_EVENT.encode(click));

    await().atMost(Duration.ofSeconds(30)).until(() -> userKnown(newUser));
    assertThat(server.metrics().badRecordsCount(EVENTS))
        .isBetween((double) refused, (double) (refused + maybeLate));
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void aFeedWhoseThreadDiesMakesReadinessFailWithTheReason() throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> get("/health/ready").statusCode() == 200);

    events.failure = new OutOfMemoryError("simulated in the behaviour feed");

    await().atMost(Duration.ofSeconds(20)).until(() -> get("/health/ready").statusCode() == 503);
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.body())
        .contains(
            "feed of behavior-events stopped: java.lang.OutOfMemoryError: simulated in the"
                + " behaviour feed");
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
  }
}
