package io.darestream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaITCase {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void createdTopicHasALeaderForEveryPartition() throws Exception {
    kafka.createTopic("leaders", 3);
    kafka.createTopic("leaders", 3); // idempotent

    try (Admin admin = Admin.create(kafka.adminProperties())) {
      TopicDescription d =
          admin.describeTopics(List.of("leaders")).allTopicNames().get().get("leaders");
      assertThat(d.partitions()).hasSize(3).allSatisfy(p -> assertThat(p.leader()).isNotNull());
    }
  }

  @Test
  void recordsProducedRightAfterCreationAreAllConsumedInOrder() throws Exception {
    kafka.createTopic("roundtrip", 2);
    int n = 500;
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps())) {
      for (int i = 0; i < n; i++) {
        sends.add(producer.send(new ProducerRecord<>("roundtrip", "k" + (i % 7), "v" + i)));
      }
      producer.flush();
      for (Future<RecordMetadata> send : sends) {
        send.get(); // a lost record shows up here, not as a short count later
      }
    }

    List<ConsumerRecord<String, String>> got = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps())) {
      consumer.subscribe(List.of("roundtrip"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (got.size() < n && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(got::add);
      }
    }
    assertThat(got).hasSize(n);
    // Per key, Kafka keeps order: values of one key arrive increasing.
    for (int k = 0; k < 7; k++) {
      String key = "k" + k;
      List<Integer> values =
          got.stream()
              .filter(r -> r.key().equals(key))
              .map(r -> Integer.parseInt(r.value().substring(1)))
              .toList();
      assertThat(values).isSorted();
    }
  }

  private static Properties producerProps() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    return p;
  }

  private static Properties consumerProps() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "roundtrip-test");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return p;
  }
}
