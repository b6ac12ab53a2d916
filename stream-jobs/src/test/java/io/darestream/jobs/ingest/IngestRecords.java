package io.darestream.jobs.ingest;

import io.darestream.jobs.testing.Events;
import io.darestream.schemas.avro.BehaviorEvent;
import java.nio.charset.StandardCharsets;

/** Builds {@link IngestRecord}s as the source would, for tests in this package. */
final class IngestRecords {
  private static final EventDecoder DECODER = new EventDecoder();
  private static long nextOffset;

  private IngestRecords() {}

  /** A record without a Kafka timestamp: the gate measures the future from the wall clock. */
  static IngestRecord of(BehaviorEvent e) {
    return at(e, -1);
  }

  /** A record with Kafka timestamp {@code kafkaTimestampMs}. */
  static IngestRecord at(BehaviorEvent e, long kafkaTimestampMs) {
    return DECODER.decode(
        "behavior-events",
        0,
        nextOffset++,
        kafkaTimestampMs,
        Long.toString(e.getUserId()).getBytes(StandardCharsets.UTF_8),
        Events.bytes(e));
  }

  static IngestRecord raw(byte[] key, byte[] value) {
    return DECODER.decode("behavior-events", 0, nextOffset++, 1_000L, key, value);
  }
}
