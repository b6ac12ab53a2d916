package io.darestream.schemas.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.output.EventWriter;
import io.darestream.schemas.output.EventWriters;
import io.darestream.schemas.testing.Events;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventFormatTest {
  @Test
  void formatsAreFoundByTheirCliNames() {
    assertThat(EventFormat.fromName("taobao")).isEqualTo(EventFormat.TAOBAO);
    assertThat(EventFormat.fromName(" MovieLens ")).isEqualTo(EventFormat.MOVIELENS);
    assertThat(EventFormat.fromName("events")).isEqualTo(EventFormat.EVENTS);
  }

  @Test
  void anUnknownFormatNamesTheChoices() {
    assertThatThrownBy(() -> EventFormat.fromName("parquet"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown event format 'parquet': expected one of taobao, movielens, events");
    assertThatThrownBy(() -> EventFormat.fromName(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown event format 'null'");
  }

  @Test
  void opensEachFormat() throws IOException {
    assertThat(
            Drain.all(
                EventFormat.TAOBAO.open(
                    Resources.path("taobao/UserBehavior-sample.csv"), ParseOptions.fail())))
        .hasSize(11);
    assertThat(
            Drain.all(
                EventFormat.MOVIELENS.open(
                    Resources.path("movielens/ratings.csv").getParent(), ParseOptions.fail())))
        .hasSize(7);
  }

  @Test
  void writesAndReadsBackTheEventsFormat(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("events.jsonl.gz");
    List<BehaviorEvent> events =
        List.of(
            Events.impression(1, 2, 3, Events.BEGINNING, "r1"),
            Events.click(1, 2, 3, Events.BEGINNING + 10));
    try (EventWriter writer = EventWriters.open(EventFormat.EVENTS, file)) {
      events.forEach(writer::write);
      assertThat(writer.written()).isEqualTo(2);
    }

    assertThat(Files.size(file)).isPositive();
    assertThat(Drain.all(EventFormat.EVENTS.open(file, ParseOptions.fail())))
        .containsExactlyElementsOf(events);
  }

  @Test
  void movieLensCannotBeWritten(@TempDir Path dir) {
    assertThatThrownBy(() -> EventWriters.open(EventFormat.MOVIELENS, dir.resolve("x.csv")))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("write taobao or events");
  }
}
