package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.serde.Codecs;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes an {@link EventSource} to a Kafka topic: key = user id (decimal string, so all of a user's
 * events share a partition and keep their order), value = Avro single-object {@code BehaviorEvent}.
 * Idempotent producer with {@code acks=all}; the outcome of every send is checked (its callback),
 * the first failure stops the replay, and the counts at the end are exact.
 *
 * <p>The replayer picks each record's partition itself, with Kafka's own key hash ({@link
 * #partitionOf}), so that {@link ReplayPosition} can tell which events of an input a partition
 * already holds and a replay can be resumed exactly.
 */
public final class KafkaReplayer implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;

  public KafkaReplayer(String bootstrapServers, String topic, Map<String, String> extra) {
    this.topic = Objects.requireNonNull(topic, "topic");
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "dare-replay");
    p.putAll(extra);
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * Sends every event of {@code source} (which is closed at the end), paced by {@code pacer}.
   *
   * @throws ReplayException if any send fails; nothing after the failure is sent
   */
  public ReplayResult replay(EventSource source, Pacer pacer, ReplayListener listener) {
    long start = System.nanoTime();
    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    long sent = 0;
    try (source) {
      int partitions = producer.partitionsFor(topic).size();
      while (source.hasNext() && failure.get() == null) {
        BehaviorEvent event = source.next();
        pacer.pace(event.getEventTimeMs());
        byte[] key = keyOf(event);
        byte[] value = Codecs.BEHAVIOR_EVENT.encode(event);
        producer.send(
            new ProducerRecord<>(topic, partitionOf(key, partitions), key, value),
            (metadata, e) -> {
              if (e == null) {
                acked.incrementAndGet();
              } else {
                failure.compareAndSet(null, e);
              }
            });
        sent++;
        listener.progress(sent, acked.get(), event.getEventTimeMs());
      }
      producer.flush();
      Exception e = failure.get();
      if (e != null) {
        throw new ReplayException(
            String.format(
                "replay to %s stopped: %,d of %,d sent events acknowledged, then: %s",
                topic, acked.get(), sent, e.getMessage()),
            e);
      }
      listener.progress(sent, acked.get(), Long.MIN_VALUE);
      return new ReplayResult(
          sent,
          acked.get(),
          source.skipped(),
          source.firstSkipReasons(),
          (System.nanoTime() - start) / 1e9);
    }
  }

  /** The record key of an event: its user id in decimal, so a user's events share a partition. */
  public static byte[] keyOf(BehaviorEvent event) {
    return Long.toString(event.getUserId()).getBytes(StandardCharsets.UTF_8);
  }

  /** The partition of a record key: Kafka's default for keyed records (murmur2 of the key). */
  public static int partitionOf(byte[] key, int partitions) {
    return BuiltInPartitioner.partitionForKey(key, partitions);
  }

  @Override
  public void close() {
    producer.close();
  }
}
