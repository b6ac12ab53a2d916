package io.darestream.serving.kafka;

import io.darestream.schemas.serde.AvroCodec;
import io.darestream.schemas.serde.DecodeException;
import io.darestream.serving.metrics.ServingMetrics;
import java.util.Locale;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every feed treats a record it cannot use: counted by topic and reason, logged with its
 * position (a few per reason, then a summary line: {@link BadRecordLog}), skipped. The feeds never
 * stop on bad input.
 */
final class BadRecords {
  private static final Logger LOG = LoggerFactory.getLogger(BadRecords.class);
  private static final BadRecordLog SKIPPED =
      new BadRecordLog(
          BadRecordLog.FULL_PER_REASON,
          BadRecordLog.INTERVAL_MS,
          System::currentTimeMillis,
          LOG::warn);

  private BadRecords() {}

  /** The decoded value of {@code record}, or empty after counting and logging why not. */
  static <T extends SpecificRecordBase> Optional<T> decode(
      AvroCodec<T> codec, ConsumerRecord<byte[], byte[]> record, ServingMetrics metrics) {
    try {
      return Optional.of(codec.decode(record.value()));
    } catch (DecodeException e) {
      skip(record, e.reason().name(), e.getMessage(), metrics);
      return Optional.empty();
    }
  }

  /** Counts {@code record} as bad for {@code reason} (lower-cased as a metric tag) and logs it. */
  static void skip(
      ConsumerRecord<byte[], byte[]> record,
      String reason,
      String message,
      ServingMetrics metrics) {
    String tag = reason.toLowerCase(Locale.ROOT);
    metrics.badRecord(record.topic(), tag);
    SKIPPED.skipped(
        record.topic(),
        tag,
        record.topic() + "-" + record.partition() + "@" + record.offset(),
        message);
  }

  /** Writes the summary of skipped records that were only counted, once their interval is over. */
  static void flushLog() {
    SKIPPED.flushIfDue();
  }
}
