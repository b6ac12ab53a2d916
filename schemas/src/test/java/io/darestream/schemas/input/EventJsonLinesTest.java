package io.darestream.schemas.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.testing.Events;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventJsonLinesTest {
  private static final String GOOD =
      """
      {"event_id":"e1","user_id":7,"item_id":2268318,"category_id":2520377,"type":"IMPRESSION","event_time_ms":1511544070000,"request_id":"r1"}
      {"event_id":"e2","user_id":7,"item_id":2268318,"category_id":2520377,"type":"CLICK","event_time_ms":1511544075000,"request_id":null}
      {"event_id":"e3","user_id":8,"item_id":1,"category_id":2,"type":"BUY","event_time_ms":1511544080000,"device":"ios"}
      """;

  @Test
  void readsEventsWithOptionalRequestIdAndIgnoresUnknownKeys() {
    EventReader reader =
        EventJsonLines.read(new StringReader(GOOD), "good.jsonl", ParseOptions.fail());
    List<BehaviorEvent> events = Drain.all(reader);

    assertThat(events)
        .containsExactly(
            Events.event("e1", 7, 2268318, 2520377, BehaviorType.IMPRESSION, 1511544070000L, "r1"),
            Events.event("e2", 7, 2268318, 2520377, BehaviorType.CLICK, 1511544075000L, null),
            Events.event("e3", 8, 1, 2, BehaviorType.BUY, 1511544080000L, null));
  }

  @Test
  void badLinesAreReportedWithLineNumbers() {
    String input =
        """
        {"event_id":"ok","user_id":1,"item_id":2,"category_id":3,"type":"PV","event_time_ms":1511544070000}
        {"event_id":"a","item_id":2,"category_id":3,"type":"PV","event_time_ms":1511544070000}
        {"event_id":"b","user_id":1,"item_id":2,"category_id":3,"type":"SHARE","event_time_ms":1511544070000}
        {"event_id":"c","user_id":"1","item_id":2,"category_id":3,"type":"PV","event_time_ms":1511544070000}
        not json
        {"event_id":"d","user_id":1,"item_id":2,"category_id":3,"type":"PV","event_time_ms":1511544070}
        [1,2]
        """;
    EventReader reader =
        EventJsonLines.read(new StringReader(input), "bad.jsonl", ParseOptions.skip());
    List<BehaviorEvent> events = Drain.all(reader);

    assertThat(events).extracting(BehaviorEvent::getEventId).containsExactly("ok");
    assertThat(reader.stats().skipped()).isEqualTo(6);
    assertThat(reader.stats().firstReasons())
        .satisfiesExactly(
            r -> assertThat(r).startsWith("bad.jsonl:2: user_id is missing"),
            r ->
                assertThat(r)
                    .startsWith(
                        "bad.jsonl:3: type 'SHARE' is not one of IMPRESSION, CLICK, PV, CART,"
                            + " FAV, BUY"),
            r -> assertThat(r).startsWith("bad.jsonl:4: user_id must be an integer, got \"1\""),
            r -> assertThat(r).startsWith("bad.jsonl:5: not valid JSON"),
            r -> assertThat(r).startsWith("bad.jsonl:6: event_time_ms 1511544070 is before"),
            r -> assertThat(r).startsWith("bad.jsonl:7: expected a JSON object"));
  }

  @Test
  void jsonRoundTripsAnEvent() {
    BehaviorEvent event = Events.impression(1, 2, 3, Events.BEGINNING, "req \"quoted\"");

    String json = EventJson.toJson(event);

    assertThat(json)
        .isEqualTo(
            "{\"event_id\":\"imp:req \\\"quoted\\\":2\",\"user_id\":1,\"item_id\":2,"
                + "\"category_id\":3,\"type\":\"IMPRESSION\",\"event_time_ms\":1511568000000,"
                + "\"request_id\":\"req \\\"quoted\\\"\"}");
    assertThat(EventJson.fromJson(json)).isEqualTo(event);
  }

  @Test
  void aKeyGivenTwiceOrDeepNestingIsRefused() {
    assertThatThrownBy(
            () ->
                EventJson.fromJson(
                    "{\"event_id\":\"e\",\"user_id\":1,\"user_id\":2,\"item_id\":2,"
                        + "\"category_id\":3,\"type\":\"PV\",\"event_time_ms\":1511544070000}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not valid JSON: Duplicate field 'user_id'");
    assertThatThrownBy(() -> EventJson.fromJson("[".repeat(17) + "]".repeat(17)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not valid JSON: Document nesting depth (17) exceeds the maximum");
  }

  @Test
  void fromJsonRejectsWithTheReason() {
    assertThatThrownBy(() -> EventJson.fromJson("{}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("event_id is missing");
  }
}
