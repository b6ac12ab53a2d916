package io.darestream.app.replay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How far an earlier replay into a topic got: per partition, how many records the broker holds (its
 * end offset) and the value of the last one. The records a broker holds are what it acknowledged or
 * would have: a producer killed mid-flight leaves each partition with a prefix of what was sent to
 * it, but not the same prefix in every partition, so the count of one partition says nothing about
 * another and the replay resumes per partition ({@link #skipPresent}).
 *
 * <p>Exact for topics written only by {@link KafkaReplayer} (idempotent, not transactional: offsets
 * are consecutive records) from a deterministic input (the same file sorted the same way, or the
 * same generator seed).
 */
public final class ReplayPosition {
  private final String topic;
  private final long[] present;
  private final byte[][] last;

  private ReplayPosition(String topic, long[] present, byte[][] last) {
    this.topic = topic;
    this.present = present;
    this.last = last;
  }

  /**
   * Reads the end offset and the last record of every partition of {@code topic}.
   *
   * @throws ReplayException if the topic does not exist or a last record cannot be read in time
   */
  public static ReplayPosition read(String bootstrapServers, String topic, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "dare-replay-position");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        throw new ReplayException("topic " + topic + " does not exist", null);
      }
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : infos) {
        parts.add(new TopicPartition(topic, info.partition()));
      }
      Map<TopicPartition, Long> ends = consumer.endOffsets(parts, timeout);
      long[] present = new long[parts.size()];
      byte[][] last = new byte[parts.size()][];
      for (TopicPartition tp : parts) {
        long end = ends.get(tp);
        present[tp.partition()] = end;
        if (end > 0) {
          last[tp.partition()] = recordAt(consumer, tp, end - 1, timeout);
        }
      }
      return new ReplayPosition(topic, present, last);
    }
  }

  /** A position from known counts and last values (per partition; null for an empty one). */
  static ReplayPosition of(String topic, long[] present, byte[][] last) {
    return new ReplayPosition(topic, present.clone(), last.clone());
  }

  private static byte[] recordAt(
      KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long offset, Duration timeout) {
    consumer.assign(List.of(tp));
    consumer.seek(tp, offset);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (r.offset() == offset) {
          return r.value();
        }
      }
    }
    throw new ReplayException("cannot read record " + offset + " of " + tp + " in time", null);
  }

  /** Records the topic holds, all partitions together. */
  public long total() {
    return Arrays.stream(present).sum();
  }

  /** Records partition {@code p} holds. */
  long present(int p) {
    return present[p];
  }

  /** Value of the last record of partition {@code p} (null when it is empty). */
  byte[] last(int p) {
    return last[p];
  }

  int partitions() {
    return present.length;
  }

  String topic() {
    return topic;
  }

  /**
   * {@code source} without the events the topic already holds: per partition, the first {@link
   * #present} events of the input routed there are skipped, and the last of them must equal the
   * partition's last record (else the topic holds another input, and the returned source throws).
   */
  public EventSource skipPresent(EventSource source) {
    return new ResumedSource(source, this);
  }
}
