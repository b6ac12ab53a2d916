package io.darestream.app.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Counts the committed records of a topic by reading it ({@code read_committed}), incrementally:
 * the dead letters of a local run are what the dead-letter topic holds, not what the runner
 * guesses.
 *
 * <p>Why read instead of subtracting offsets: the job writes the topic with Kafka transactions, and
 * a transactional topic's offsets also count commit markers and aborted records (a killed run
 * leaves an aborted transaction behind), so end offsets overstate the records.
 */
final class CommittedRecords implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions = new ArrayList<>();
  private long count;

  CommittedRecords(String bootstrapServers, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dare-local-count-" + topic);
    consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      consumer.close();
      throw new IllegalStateException("topic " + topic + " does not exist");
    }
    for (PartitionInfo i : infos) {
      partitions.add(new TopicPartition(topic, i.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /**
   * The committed records, read up to the topic's last stable offsets as of this call, waiting at
   * most {@code maxWait} for them (then the count so far).
   */
  long count(Duration maxWait) {
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
    long deadline = System.nanoTime() + maxWait.toNanos();
    while (!reached(ends) && System.nanoTime() < deadline) {
      ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
      count += records.count();
    }
    return count;
  }

  private boolean reached(Map<TopicPartition, Long> ends) {
    for (TopicPartition tp : partitions) {
      if (consumer.position(tp) < ends.get(tp)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
