package io.darestream.jobs.ingest;

import io.darestream.jobs.config.IngestOptions;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.schemas.validate.Violation;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Decides whether a record enters the job: decoded, and accepted by the {@link EventPolicy}
 * (fields, id ranges, late against the watermark, future against the record's time). Plain logic,
 * no Flink, so it is tested directly; serving's behaviour feed applies the same policy.
 */
public final class EventGate implements Serializable {
  private static final long serialVersionUID = 1L;

  private final EventPolicy policy;

  public EventGate(IngestOptions options) {
    this(options.policy());
  }

  public EventGate(EventPolicy policy) {
    this.policy = policy;
  }

  /** The outcome for one record: an accepted event or a dead letter. */
  public record Verdict(BehaviorEvent event, DeadLetter deadLetter) {
    public boolean accepted() {
      return event != null;
    }
  }

  /**
   * Checks {@code record}.
   *
   * @param watermark the stream's current event-time watermark ({@link Long#MIN_VALUE} before the
   *     first one)
   * @param nowMs wall-clock time: caps the record's Kafka timestamp as the future check's reference
   *     ({@link EventPolicy#referenceTime}) and stamps the dead letter
   */
  public Verdict check(IngestRecord record, long watermark, long nowMs) {
    if (!record.isDecoded()) {
      return reject(record, record.failureCode(), record.failureMessage(), nowMs);
    }
    BehaviorEvent event = record.event();
    long reference = EventPolicy.referenceTime(record.kafkaTimestampMs(), nowMs);
    Optional<Violation> violation = policy.check(event, watermark, reference);
    if (violation.isPresent()) {
      return reject(record, violation.get().code(), violation.get().message(), nowMs);
    }
    return new Verdict(event, null);
  }

  private static Verdict reject(IngestRecord r, String code, String message, long nowMs) {
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setRawKey(r.key() == null ? null : ByteBuffer.wrap(r.key()))
            .setRawValue(r.value() == null ? null : ByteBuffer.wrap(r.value()))
            .setSourceTopic(r.topic())
            .setSourcePartition(r.partition())
            .setSourceOffset(r.offset())
            .setReasonCode(code)
            .setReason(message)
            .setRecordTimeMs(r.kafkaTimestampMs())
            .setDeadLetterTimeMs(nowMs)
            .build();
    return new Verdict(null, letter);
  }
}
