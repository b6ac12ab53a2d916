package io.darestream.app.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.kafka.embedded.EmbeddedKafka;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Dead letters are counted in the topic as its committed records: a transactional topic's offsets
 * also count commit markers and aborted records, so "end offset" would overstate them.
 */
class CommittedRecordsITCase {
  @Test
  void countsCommittedRecordsOnlyNotMarkersOrAbortedOnes() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("dlq", 1);
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-dlq");
      try (KafkaProducer<byte[], byte[]> producer =
              new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
          CommittedRecords count = new CommittedRecords(kafka.bootstrapServers(), "dlq")) {
        producer.initTransactions();
        transaction(producer, 3, true);
        transaction(producer, 2, false); // a killed job's transaction, aborted on restore
        transaction(producer, 1, true);

        assertThat(count.count(Duration.ofSeconds(30))).isEqualTo(4);
        transaction(producer, 5, true);
        assertThat(count.count(Duration.ofSeconds(30))).as("incremental").isEqualTo(9);
      }
      try (Admin admin = Admin.create(kafka.adminProperties())) {
        TopicPartition tp = new TopicPartition("dlq", 0);
        long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
        assertThat(end).as("offsets overstate the records").isGreaterThan(9);
      }
    }
  }

  private static void transaction(KafkaProducer<byte[], byte[]> producer, int n, boolean commit)
      throws Exception {
    producer.beginTransaction();
    for (int i = 0; i < n; i++) {
      producer.send(new ProducerRecord<>("dlq", new byte[] {(byte) i})).get();
    }
    if (commit) {
      producer.commitTransaction();
    } else {
      producer.abortTransaction();
    }
  }
}
