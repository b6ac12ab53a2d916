package io.darestream.serving.kafka;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** What a {@link TopicTailer} does with the records of its topic; called on the tailer's thread. */
public interface RecordHandler {
  /**
   * Where to start reading each partition, given the partitions of the topic and their current end
   * offsets; partitions missing from the answer start at the beginning.
   */
  Map<TopicPartition, Long> startOffsets(Map<TopicPartition, Long> endOffsets);

  /**
   * Handles one record. A record that cannot be used is counted and logged by the handler and
   * skipped; an exception escaping here is logged by the tailer and the record skipped as well. An
   * {@link Error} stops the tailer, which then fails readiness ({@link TopicTailer#failure()}).
   */
  void handle(ConsumerRecord<byte[], byte[]> record);

  /** Called after each poll with the positions reached, e.g. to persist them or detect catch-up. */
  default void afterPoll(Map<TopicPartition, Long> positions) {}

  /**
   * Called after each poll with the records each partition still has to read (the consumer's lag;
   * partitions whose lag is not known yet are absent).
   */
  default void backlog(Map<TopicPartition, Long> recordsBehind) {}
}
