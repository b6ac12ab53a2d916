package io.darestream.jobs.ingest;

import static io.darestream.jobs.testing.Events.T0;
import static io.darestream.jobs.testing.Events.click;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.testing.Events;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.validate.EventPolicy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EventGateTest {
  private static final long HOUR = Duration.ofHours(1).toMillis();
  private static final long DAY = Duration.ofDays(1).toMillis();
  private static final long NOW = T0 + 30 * DAY;

  private final EventGate gate =
      new EventGate(EventPolicy.builder().optMaxLatenessMs(DAY).optMaxFutureMs(DAY).build());

  @Test
  void validEventPasses() {
    BehaviorEvent e = click("e1", 7, 42, T0);

    EventGate.Verdict v = gate.check(IngestRecords.of(e), Long.MIN_VALUE, NOW);

    assertThat(v.accepted()).isTrue();
    assertThat(v.event()).isEqualTo(e);
  }

  @Test
  void garbageBytesAreDeadLetteredWithTheRawBytesAndCoordinates() {
    byte[] garbage = {1, 2, 3};
    IngestRecord r = IngestRecords.raw(null, garbage);

    DeadLetter d = gate.check(r, Long.MIN_VALUE, NOW).deadLetter();

    assertThat(d.getReasonCode()).isEqualTo("BAD_HEADER");
    assertThat(d.getReason()).isNotBlank();
    assertThat(toArray(d.getRawValue())).isEqualTo(garbage);
    assertThat(d.getRawKey()).isNull();
    assertThat(d.getSourceTopic()).isEqualTo("behavior-events");
    assertThat(d.getSourceOffset()).isEqualTo(r.offset());
    assertThat(d.getDeadLetterTimeMs()).isEqualTo(NOW);
  }

  @Test
  void truncatedBodyIsDecodeFailed() {
    byte[] good = Events.bytes(click("e1", 7, 42, T0));
    byte[] truncated = Arrays.copyOf(good, good.length - 5);

    DeadLetter d = gate.check(IngestRecords.raw(null, truncated), Long.MIN_VALUE, NOW).deadLetter();

    assertThat(d.getReasonCode()).isEqualTo("DECODE_FAILED");
  }

  @Test
  void emptyValueIsEmpty() {
    assertThat(
            gate.check(IngestRecords.raw(null, new byte[0]), Long.MIN_VALUE, NOW)
                .deadLetter()
                .getReasonCode())
        .isEqualTo("EMPTY");
  }

  @Test
  void invalidFieldsAreRejected() {
    BehaviorEvent negativeItem = click("e1", 7, -1, T0);
    BehaviorEvent unknownType = Events.event("e2", 7, 1, 1, BehaviorType.UNKNOWN, T0);

    assertThat(reason(negativeItem, Long.MIN_VALUE)).isEqualTo("INVALID_FIELD");
    assertThat(reason(unknownType, Long.MIN_VALUE)).isEqualTo("UNKNOWN_TYPE");
  }

  @Test
  void eventFarBehindTheWatermarkIsLate() {
    long watermark = T0 + 2 * DAY;

    assertThat(reason(click("e1", 7, 1, T0 + DAY - 1), watermark)).isEqualTo("LATE_EVENT");
    assertThat(gate.check(IngestRecords.of(click("e2", 7, 1, T0 + DAY + HOUR)), watermark, NOW))
        .extracting(EventGate.Verdict::accepted)
        .isEqualTo(true);
  }

  @Test
  void eventFarAheadOfWatermarkAndWallClockIsFuture() {
    assertThat(reason(click("e1", 7, 1, NOW + DAY + 1), Long.MIN_VALUE)).isEqualTo("FUTURE_EVENT");
    assertThat(reason(click("e2", 7, 1, NOW + DAY + 1), T0)).isEqualTo("FUTURE_EVENT");
  }

  @Test
  void replayWithLongGapsIsNotFutureBecauseTheWallClockIsAhead() {
    // A replay of old data: event times jump by weeks, but all lie before the wall clock.
    assertThat(gate.check(IngestRecords.of(click("e1", 7, 1, T0 + 20 * DAY)), T0, NOW).accepted())
        .isTrue();
  }

  @Test
  void theFutureIsMeasuredFromTheRecordsKafkaTimeSoAReReadDecidesAsTheLiveRunDid() {
    long produced = NOW - 10 * DAY;
    BehaviorEvent ahead = click("e1", 7, 1, produced + DAY + 1);

    // Read ten days later (a fresh job replaying the topic): still from the future.
    DeadLetter d = gate.check(IngestRecords.at(ahead, produced), Long.MIN_VALUE, NOW).deadLetter();
    assertThat(d.getReasonCode()).isEqualTo("FUTURE_EVENT");
    assertThat(d.getReason()).contains("ahead of the record's time " + produced);
    // A record time ahead of the wall clock is capped by it.
    assertThat(reason(IngestRecords.at(click("e2", 7, 1, NOW + DAY + 1), NOW + 5 * DAY)))
        .isEqualTo("FUTURE_EVENT");
  }

  @Test
  void idsAboveTheMaximumAreDeadLetteredWithTheirField() {
    DeadLetter d =
        gate.check(IngestRecords.of(click("e1", 7, Long.MAX_VALUE, T0)), Long.MIN_VALUE, NOW)
            .deadLetter();

    assertThat(d.getReasonCode()).isEqualTo("ID_OUT_OF_RANGE");
    assertThat(d.getReason()).startsWith("item_id " + Long.MAX_VALUE + " is above");
  }

  private String reason(IngestRecord r) {
    return gate.check(r, Long.MIN_VALUE, NOW).deadLetter().getReasonCode();
  }

  private String reason(BehaviorEvent e, long watermark) {
    return gate.check(IngestRecords.of(e), watermark, NOW).deadLetter().getReasonCode();
  }

  private static byte[] toArray(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
