package io.darestream.schemas.validate;

import static io.darestream.schemas.testing.Events.BEGINNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.testing.Events;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EventPolicyTest {
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;
  private static final long NOW = BEGINNING + 10 * DAY;
  private static final long YEAR_3000 = Instant.parse("3000-01-01T00:00:00Z").toEpochMilli();

  private final EventPolicy policy = EventPolicy.defaults();

  @Test
  void idsAboveTheConfiguredMaximumAreRefusedWithTheirField() {
    EventPolicy small = EventPolicy.builder().optMaxId(1_000).build();

    assertThat(small.checkFields(Events.click(1_000, 1_000, 1_000, NOW))).isEmpty();
    assertThat(small.checkFields(Events.click(1_001, 1, 1, NOW)))
        .get()
        .extracting(Violation::code, Violation::message)
        .containsExactly(
            Violation.ID_OUT_OF_RANGE,
            "user_id 1001 is above the largest accepted id 1000 (dare.ingest.max-id)");
    assertThat(small.checkFields(Events.click(1, 1, 1_001, NOW)).get().message())
        .startsWith("category_id 1001");
    assertThat(policy.checkFields(Events.click(1, Long.MAX_VALUE, 1, NOW)).get().code())
        .isEqualTo(Violation.ID_OUT_OF_RANGE);
    assertThat(policy.checkFields(Events.click(1, -1, 1, NOW)).get().code())
        .isEqualTo(Violation.INVALID_FIELD);
  }

  @Test
  void theFutureIsMeasuredFromTheRecordsTimeCappedByTheWallClock() {
    assertThat(EventPolicy.referenceTime(NOW - HOUR, NOW)).isEqualTo(NOW - HOUR);
    assertThat(EventPolicy.referenceTime(NOW + 5 * DAY, NOW)).isEqualTo(NOW);
    assertThat(EventPolicy.referenceTime(-1, NOW)).isEqualTo(NOW);

    assertThat(policy.check(Events.click(1, 1, 1, NOW + 12 * HOUR), Long.MIN_VALUE, NOW)).isEmpty();
    assertThat(policy.check(Events.click(1, 1, 1, NOW + DAY + 1), Long.MIN_VALUE, NOW))
        .get()
        .extracting(Violation::code)
        .isEqualTo(Violation.FUTURE_EVENT);
    assertThat(policy.check(Events.click(1, 1, 1, YEAR_3000), NOW, NOW).get().code())
        .isEqualTo(Violation.FUTURE_EVENT);
  }

  @Test
  void lateIsMeasuredFromTheWatermark() {
    assertThat(policy.check(Events.click(1, 1, 1, NOW - DAY), NOW, NOW)).isEmpty();
    assertThat(policy.check(Events.click(1, 1, 1, NOW - DAY - 1), NOW, NOW).get().code())
        .isEqualTo(Violation.LATE_EVENT);
  }

  @Test
  void anAcceptedFutureEventMovesTheClockOnlyUpToItsRecordsTime() {
    BehaviorEvent ahead = Events.click(1, 1, 1, NOW + 23 * HOUR);

    assertThat(policy.advancesClock(ahead, NOW)).isTrue();
    assertThat(policy.clockContribution(ahead.getEventTimeMs(), NOW)).isEqualTo(NOW);
    assertThat(policy.advancesClock(Events.click(1, 1, 1, YEAR_3000), NOW)).isFalse();
    assertThat(policy.advancesClock(Events.click(-1, 1, 1, NOW), NOW)).isFalse();
    assertThat(policy.clockContribution(NOW - DAY, NOW)).isEqualTo(NOW - DAY);
  }

  @Test
  void aChainOfEventsEachJustUnderTheLimitCannotWalkTheClockForward() {
    StreamClock clock = new StreamClock(policy);
    long t = NOW;
    for (int i = 0; i < 10; i++) {
      t += DAY - 1; // each within max-future of the clock the previous one would have made
      BehaviorEvent e = Events.click(1, i, 1, t);
      long reference = EventPolicy.referenceTime(NOW, NOW);
      if (policy.check(e, clock.watermark(NOW), reference).isEmpty()) {
        clock.observe(0, t, reference, NOW);
      }
    }

    assertThat(clock.watermark(NOW)).isEqualTo(NOW - policy.outOfOrdernessMs() - 1);
  }

  @Test
  void theSequenceBoundIsLatenessPlusOutOfOrderness() {
    EventPolicy p = EventPolicy.builder().optMaxLatenessMs(HOUR).optOutOfOrdernessMs(5_000).build();
    assertThat(p.maxOutOfOrderMs()).isEqualTo(HOUR + 5_000);
  }

  @Test
  void badSettingsAreRefusedByKey() {
    assertThatThrownBy(() -> EventPolicy.builder().optMaxFutureMs(0).build())
        .hasMessage("dare.ingest.max-future must be > 0, got 0");
    assertThatThrownBy(() -> EventPolicy.builder().optMaxId(-1).build())
        .hasMessage("dare.ingest.max-id must be > 0, got -1");
  }
}
