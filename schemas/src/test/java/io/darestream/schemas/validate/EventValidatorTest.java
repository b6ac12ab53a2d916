package io.darestream.schemas.validate;

import static io.darestream.schemas.testing.Events.BEGINNING;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.testing.Events;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
  @Test
  void aWellFormedEventIsValid() {
    assertThat(EventValidator.validate(Events.click(1, 2, 3, BEGINNING))).isEmpty();
    assertThat(EventValidator.validate(Events.impression(0, 0, 0, BEGINNING, "r"))).isEmpty();
  }

  @Test
  void movieLensRatingsFrom1996AreValid() {
    assertThat(EventValidator.validate(Events.click(1, 2, 3, 828_124_615_000L))).isEmpty();
  }

  @Test
  void blankOrOverlongEventIdIsInvalid() {
    assertThat(EventValidator.validate(with("  ", 1, 2, 3, BehaviorType.PV, BEGINNING)))
        .contains(new Violation(Violation.INVALID_FIELD, "event_id is empty"));
    String longId = "x".repeat(EventValidator.MAX_EVENT_ID_LENGTH + 1);
    assertThat(EventValidator.validate(with(longId, 1, 2, 3, BehaviorType.PV, BEGINNING)))
        .contains(
            new Violation(Violation.INVALID_FIELD, "event_id is 257 characters long, at most 256"));
  }

  @Test
  void negativeIdsNameTheField() {
    assertThat(message(with("e", -1, 2, 3, BehaviorType.PV, BEGINNING)))
        .isEqualTo("user_id is negative: -1");
    assertThat(message(with("e", 1, -2, 3, BehaviorType.PV, BEGINNING)))
        .isEqualTo("item_id is negative: -2");
    assertThat(message(with("e", 1, 2, -3, BehaviorType.PV, BEGINNING)))
        .isEqualTo("category_id is negative: -3");
  }

  @Test
  void anEventIdThatIsNotWellFormedUnicodeIsInvalid() {
    String expected = "event_id is not well-formed Unicode (a lone surrogate or a U+FFFD)";
    for (String id : new String[] {"a\uD800", "\uDC00b", "a\uD800b", "not\uFFFDutf8"}) {
      assertThat(message(with(id, 1, 2, 3, BehaviorType.PV, BEGINNING))).as(id).isEqualTo(expected);
    }
    assertThat(
            EventValidator.validate(
                with("emoji-\uD83D\uDE00", 1, 2, 3, BehaviorType.PV, BEGINNING)))
        .as("a surrogate pair is one code point")
        .isEmpty();
    assertThat(EventValidator.validate(with("caf\u00e9", 1, 2, 3, BehaviorType.PV, BEGINNING)))
        .isEmpty();
  }

  @Test
  void unknownTypeHasItsOwnCode() {
    Violation v =
        EventValidator.validate(with("e-9", 1, 2, 3, BehaviorType.UNKNOWN, BEGINNING))
            .orElseThrow();

    assertThat(v.code()).isEqualTo(Violation.UNKNOWN_TYPE);
    assertThat(v.message()).contains("(event e-9)");
  }

  @Test
  void secondsInsteadOfMillisecondsIsCaught() {
    Violation v =
        EventValidator.validate(with("e", 1, 2, 3, BehaviorType.PV, 1_511_544_070L)).orElseThrow();

    assertThat(v.code()).isEqualTo(Violation.INVALID_FIELD);
    assertThat(v.message())
        .isEqualTo(
            "event_time_ms 1511544070 is before 1990-01-01; event times are epoch milliseconds");
  }

  private static String message(BehaviorEvent event) {
    return EventValidator.validate(event).orElseThrow().message();
  }

  private static BehaviorEvent with(
      String id, long user, long item, long category, BehaviorType type, long time) {
    return new BehaviorEvent(id, user, item, category, type, time, null);
  }
}
