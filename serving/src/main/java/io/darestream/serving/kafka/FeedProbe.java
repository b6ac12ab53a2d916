package io.darestream.serving.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * How a {@link TopicTailer} asks the brokers whether they still answer: it asks for its partitions'
 * end offsets, and the future completes with the partitions they did not answer for (empty when
 * they answered for all), or exceptionally when the whole request failed. Called on the tailer's
 * thread only.
 */
public interface FeedProbe extends AutoCloseable {
  /**
   * Starts asking for the end offsets of {@code partitions}; {@code consumer} is the tailer's own,
   * for probes that ask through it. An exception thrown here counts as no answer (a wakeup or an
   * interrupt excepted).
   */
  CompletableFuture<Map<TopicPartition, Throwable>> ask(
      Consumer<byte[], byte[]> consumer, Set<TopicPartition> partitions);

  @Override
  default void close() {}

  /**
   * Asks through the tailer's own consumer: blocks the tailer's thread until the brokers answer or
   * {@code timeout} passes, which holds up the records of every partition meanwhile. For consumers
   * made without {@link KafkaSettings} (tests); the tailers of {@link KafkaSettings} ask with
   * {@link AdminFeedProbe}, which does not block.
   */
  static FeedProbe onTheConsumer(Duration timeout) {
    return (consumer, partitions) -> {
      consumer.endOffsets(partitions, timeout);
      return CompletableFuture.completedFuture(Map.of());
    };
  }
}
