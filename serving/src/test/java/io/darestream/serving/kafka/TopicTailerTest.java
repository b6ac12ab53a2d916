package io.darestream.serving.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** The tail loop on Kafka's MockConsumer: start positions, bad records, repositioning, shutdown. */
class TopicTailerTest {
  private static final String TOPIC = "model-deltas";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final List<Long> handled = new CopyOnWriteArrayList<>();
  private final CountDownLatch assigned = new CountDownLatch(1);

  private final RecordHandler handler =
      new RecordHandler() {
        @Override
        public Map<TopicPartition, Long> startOffsets(Map<TopicPartition, Long> endOffsets) {
          assigned.countDown();
          return Map.of(P0, 1L);
        }

        @Override
        public void handle(ConsumerRecord<byte[], byte[]> record) {
          if (record.value().length == 0) {
            throw new IllegalArgumentException("cannot use an empty record");
          }
          handled.add(record.offset());
        }
      };

  private void add(long offset, byte[] value) {
    consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, null, value));
  }

  private void onePartition() {
    onePartition(consumer);
  }

  /** Gives {@code c} the topic with one empty partition. */
  private static void onePartition(MockConsumer<byte[], byte[]> c) {
    Node node = new Node(0, "localhost", 9092);
    c.updatePartitions(
        TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[] {node}, new Node[] {node})));
    c.updateBeginningOffsets(Map.of(P0, 0L));
    c.updateEndOffsets(Map.of(P0, 0L));
  }

  @Test
  void startsWhereTheHandlerSaysSkipsFailingRecordsAndRepositionsOnRequest() throws Exception {
    onePartition();
    TopicTailer tailer = new TopicTailer(TOPIC, () -> consumer, handler).start();
    try {
      assertThat(assigned.await(10, TimeUnit.SECONDS)).isTrue();
      add(0, new byte[] {1});
      add(1, new byte[] {1});
      add(2, new byte[0]); // the handler throws: logged, skipped
      add(3, new byte[] {1});
      await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(3L));
      assertThat(handled).containsExactly(1L, 3L);

      tailer.runOnTailerThread(c -> c.seek(P0, 3));
      add(4, new byte[] {1});
      await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(4L));
    } finally {
      tailer.close();
    }
    assertThat(consumer.closed()).isTrue();
  }

  @Test
  void anErrorStopsTheTailerLoudlyAndItSaysWhy() throws Exception {
    onePartition();
    RecordHandler overflowing =
        new RecordHandler() {
          @Override
          public Map<TopicPartition, Long> startOffsets(Map<TopicPartition, Long> endOffsets) {
            assigned.countDown();
            return Map.of();
          }

          @Override
          public void handle(ConsumerRecord<byte[], byte[]> record) {
            throw new StackOverflowError("simulated, at offset " + record.offset());
          }
        };
    TopicTailer tailer = new TopicTailer(TOPIC, () -> consumer, overflowing).start();
    try {
      assertThat(assigned.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(tailer.failure()).isEmpty();
      add(0, new byte[] {1});

      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.failure().isPresent());
      assertThat(tailer.failure()).hasValue("java.lang.StackOverflowError: simulated, at offset 0");
    } finally {
      tailer.close();
    }
    assertThat(consumer.closed()).isTrue();
  }

  @Test
  void beforeItsFirstReadItSaysWhatItWaitsFor() throws Exception {
    AtomicBoolean unreachable = new AtomicBoolean(true);
    MockConsumer<byte[], byte[]> waitingConsumer =
        new MockConsumer<>("earliest") {
          @Override
          public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
            if (unreachable.get()) {
              throw new TimeoutException("Timeout expired while fetching topic metadata");
            }
            return super.partitionsFor(topic, timeout);
          }
        };
    TopicTailer tailer = new TopicTailer(TOPIC, () -> waitingConsumer, handler).start();
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> tailer.waiting().orElse("").startsWith("cannot read its partitions"));
      assertThat(tailer.waiting().get())
          .contains("TimeoutException: Timeout expired while fetching topic metadata");

      unreachable.set(false); // the broker answers; the topic is not there yet
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> tailer.waiting().equals(Optional.of("the topic does not exist yet")));

      onePartition(waitingConsumer);
      assertThat(assigned.await(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.waiting().isEmpty());
      assertThat(tailer.failure()).isEmpty();
    } finally {
      tailer.close();
    }
  }

  @Test
  void aBrokerThatStopsAnsweringAfterTheFirstReadIsReportedUntilItAnswersAgain() throws Exception {
    AtomicBoolean silent = new AtomicBoolean(false);
    AtomicInteger probes = new AtomicInteger();
    MockConsumer<byte[], byte[]> probed =
        new MockConsumer<>("earliest") {
          @Override
          public Map<TopicPartition, Long> endOffsets(
              Collection<TopicPartition> partitions, Duration timeout) {
            probes.incrementAndGet();
            if (silent.get()) {
              throw new TimeoutException("Failed to get offsets by times in 2000ms");
            }
            return super.endOffsets(partitions, timeout);
          }
        };
    onePartition(probed);
    TopicTailer tailer =
        new TopicTailer(
                TOPIC,
                () -> probed,
                handler,
                Duration.ofMillis(50),
                Duration.ofSeconds(2),
                FeedProbe.onTheConsumer(Duration.ofSeconds(2)))
            .start();
    try {
      assertThat(assigned.await(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> probes.get() >= 3); // all answered
      assertThat(tailer.unanswered()).isEmpty();
      assertThat(tailer.unansweredSeconds()).isZero();

      silent.set(true); // polls keep returning nothing, as on a quiet topic
      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.unanswered().isPresent());
      assertThat(tailer.unanswered().get())
          .startsWith("no answer from Kafka for ")
          .contains("TimeoutException: Failed to get offsets by times in 2000ms");
      assertThat(tailer.failure()).as("the tailer keeps running").isEmpty();

      silent.set(false);
      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.unanswered().isEmpty());
      assertThat(tailer.unansweredSeconds()).isZero();
    } finally {
      tailer.close();
    }
  }

  /** A started tailer of {@link #consumer} asking {@code probe} every 50 ms. */
  private TopicTailer probingEvery50Ms(Duration probeTimeout, FeedProbe probe) {
    return new TopicTailer(
            TOPIC, () -> consumer, handler, Duration.ofMillis(50), probeTimeout, probe)
        .start();
  }

  @Test
  void aProbeInFlightDoesNotHoldUpTheRecords() throws Exception {
    onePartition();
    List<CompletableFuture<Map<TopicPartition, Throwable>>> asked = new CopyOnWriteArrayList<>();
    AtomicBoolean probeClosed = new AtomicBoolean();
    FeedProbe unanswered =
        new FeedProbe() {
          @Override
          public CompletableFuture<Map<TopicPartition, Throwable>> ask(
              Consumer<byte[], byte[]> c, Set<TopicPartition> partitions) {
            CompletableFuture<Map<TopicPartition, Throwable>> answer = new CompletableFuture<>();
            asked.add(answer);
            return answer;
          }

          @Override
          public void close() {
            probeClosed.set(true);
          }
        };
    TopicTailer tailer = probingEvery50Ms(Duration.ofHours(1), unanswered);
    try {
      assertThat(assigned.await(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> !asked.isEmpty());
      add(1, new byte[] {1});
      add(2, new byte[] {1});
      // Read while the probe waits for its answer (an hour), not after it.
      await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(2L));
      assertThat(asked).hasSize(1);
      assertThat(asked.get(0)).isNotDone();
      assertThat(tailer.unanswered()).isEmpty();

      asked.get(0).complete(Map.of()); // the answer: the next probe is asked an interval later
      await().atMost(Duration.ofSeconds(10)).until(() -> asked.size() >= 2);
      assertThat(tailer.unanswered()).isEmpty();
    } finally {
      tailer.close();
    }
    assertThat(probeClosed).as("the probe is closed with the tailer").isTrue();
  }

  @Test
  void aProbeUnansweredPastItsTimeoutIsReportedUntilKafkaAnswers() throws Exception {
    onePartition();
    AtomicInteger asks = new AtomicInteger();
    AtomicBoolean recordsSent = new AtomicBoolean();
    // Silent until the records are sent, answering after: the warning clears and stays cleared
    // (records that answer while the probes stay silent: BrokerSilenceTest).
    FeedProbe silent =
        (c, partitions) -> {
          asks.incrementAndGet();
          return recordsSent.get()
              ? CompletableFuture.completedFuture(Map.of())
              : new CompletableFuture<>();
        };
    TopicTailer tailer = probingEvery50Ms(Duration.ofMillis(300), silent);
    try {
      assertThat(assigned.await(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.unanswered().isPresent());
      assertThat(tailer.unanswered().get())
          .startsWith("no answer from Kafka for ")
          .contains("no answer to the end-offsets request within 300 ms");
      int before = asks.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> asks.get() > before); // asked again

      recordsSent.set(true);
      add(1, new byte[] {1});
      await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(1L));
      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.unanswered().isEmpty());
      assertThat(tailer.failure()).isEmpty();
    } finally {
      tailer.close();
    }
  }

  @Test
  void aPartitionTheBrokersStopAnsweringForIsNamedUntilTheyAnswerForItAgain() throws Exception {
    TopicPartition p1 = new TopicPartition(TOPIC, 1);
    Node node = new Node(0, "localhost", 9092);
    Node[] nodes = {node};
    consumer.updatePartitions(
        TOPIC,
        List.of(
            new PartitionInfo(TOPIC, 0, node, nodes, nodes),
            new PartitionInfo(TOPIC, 1, node, nodes, nodes)));
    consumer.updateBeginningOffsets(Map.of(P0, 0L, p1, 0L));
    consumer.updateEndOffsets(Map.of(P0, 0L, p1, 0L));
    AtomicBoolean leaderAway = new AtomicBoolean(true);
    FeedProbe probe =
        (c, partitions) ->
            CompletableFuture.completedFuture(
                leaderAway.get()
                    ? Map.of(p1, new TimeoutException("leader of partition 1 is away"))
                    : Map.of());
    TopicTailer tailer = probingEvery50Ms(Duration.ofSeconds(2), probe);
    try {
      assertThat(assigned.await(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.unanswered().isPresent());
      assertThat(tailer.unanswered().get())
          .startsWith("partition 1 of 2: no answer from Kafka for ")
          .contains("leader of partition 1 is away");

      add(1, new byte[] {1}); // partition 0 delivers: partition 1 is still silent
      await().atMost(Duration.ofSeconds(10)).until(() -> handled.contains(1L));
      assertThat(tailer.unanswered().get()).startsWith("partition 1 of 2: ");
      assertThat(tailer.unansweredSeconds()).isGreaterThan(0);

      leaderAway.set(false);
      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.unanswered().isEmpty());
      assertThat(tailer.unansweredSeconds()).isZero();
    } finally {
      tailer.close();
    }
  }

  @Test
  void aConsumerThatFailsStopsTheTailerAndItSaysWhy() throws Exception {
    onePartition();
    TopicTailer tailer = new TopicTailer(TOPIC, () -> consumer, handler).start();
    try {
      assertThat(assigned.await(10, TimeUnit.SECONDS)).isTrue();
      consumer.setPollException(new KafkaException("simulated broker failure"));

      await().atMost(Duration.ofSeconds(10)).until(() -> tailer.failure().isPresent());
      assertThat(tailer.failure().get()).contains("simulated broker failure");
    } finally {
      tailer.close();
    }
  }
}
