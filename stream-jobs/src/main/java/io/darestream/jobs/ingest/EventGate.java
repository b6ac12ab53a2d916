package io.darestream.jobs.ingest;

import io.darestream.jobs.config.IngestOptions;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.validate.EventValidator;
import io.darestream.schemas.validate.Violation;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Decides whether a record enters the job: decoded, valid field by field, and at a plausible time
 * relative to the stream. Plain logic, no Flink, so it is tested directly.
 */
public final class EventGate implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long maxLatenessMs;
  private final long maxFutureMs;

  public EventGate(IngestOptions options) {
    this(options.maxLateness().toMillis(), options.maxFuture().toMillis());
  }

  public EventGate(long maxLatenessMs, long maxFutureMs) {
    this.maxLatenessMs = maxLatenessMs;
    this.maxFutureMs = maxFutureMs;
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
   * @param nowMs wall-clock time, for the future check and the dead letter's time stamp
   */
  public Verdict check(IngestRecord record, long watermark, long nowMs) {
    if (!record.isDecoded()) {
      return reject(record, record.failureCode(), record.failureMessage(), nowMs);
    }
    BehaviorEvent event = record.event();
    Optional<Violation> violation = EventValidator.validate(event);
    if (violation.isPresent()) {
      return reject(record, violation.get().code(), violation.get().message(), nowMs);
    }
    long time = event.getEventTimeMs();
    if (watermark != Long.MIN_VALUE && time < watermark - maxLatenessMs) {
      return reject(
          record,
          Violation.LATE_EVENT,
          String.format(
              "event_time_ms %d is %d ms behind the watermark %d (at most %d accepted)",
              time, watermark - time, watermark, maxLatenessMs),
          nowMs);
    }
    if (isTooFarAhead(time, watermark, nowMs, maxFutureMs)) {
      return reject(
          record,
          Violation.FUTURE_EVENT,
          String.format(
              "event_time_ms %d is more than %d ms ahead of the watermark %d and the wall clock %d",
              time, maxFutureMs, watermark, nowMs),
          nowMs);
    }
    return new Verdict(event, null);
  }

  /**
   * True if {@code time} is beyond both the watermark and the wall clock by more than {@code
   * maxFutureMs}. Shared with the watermark generator so an event rejected here never moved the
   * watermark.
   */
  static boolean isTooFarAhead(long time, long watermark, long nowMs, long maxFutureMs) {
    long reference = Math.max(watermark, nowMs);
    return time > reference && time - reference > maxFutureMs;
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
