package io.darestream.schemas.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaobaoCsvTest {
  @Test
  void readsRealRowsWithAllBehaviourKinds() throws IOException {
    EventReader reader =
        TaobaoCsv.open(Resources.path("taobao/UserBehavior-sample.csv"), ParseOptions.fail());
    List<BehaviorEvent> events = Drain.all(reader);

    assertThat(events).hasSize(11);
    BehaviorEvent first = events.get(0);
    assertThat(first.getEventId()).isEqualTo("taobao:1:2268318:pv:1511544070");
    assertThat(first.getUserId()).isEqualTo(1L);
    assertThat(first.getItemId()).isEqualTo(2268318L);
    assertThat(first.getCategoryId()).isEqualTo(2520377L);
    assertThat(first.getType()).isEqualTo(BehaviorType.PV);
    assertThat(first.getEventTimeMs()).isEqualTo(1_511_544_070_000L);
    assertThat(first.getRequestId()).isNull();
    assertThat(events.subList(8, 11))
        .extracting(BehaviorEvent::getType)
        .containsExactly(BehaviorType.FAV, BehaviorType.BUY, BehaviorType.CART);
    assertThat(events.get(10).getEventId()).isEqualTo("taobao:1000:5120034:cart:1511542034");
    assertThat(reader.stats().linesRead()).isEqualTo(11);
    assertThat(reader.stats().events()).isEqualTo(11);
    assertThat(reader.stats().skipped()).isZero();
  }

  @Test
  void skipPolicyCountsBadLinesAndKeepsTheirReasonsWithLineNumbers() throws IOException {
    Path file = Resources.path("taobao/UserBehavior-bad.csv");
    EventReader reader = TaobaoCsv.open(file, ParseOptions.skip());
    List<BehaviorEvent> events = Drain.all(reader);

    assertThat(events)
        .extracting(BehaviorEvent::getItemId)
        .containsExactly(2268318L, 3830808L, 1603476L);
    assertThat(reader.stats().linesRead()).isEqualTo(8);
    assertThat(reader.stats().events()).isEqualTo(3);
    assertThat(reader.stats().skipped()).isEqualTo(4);
    List<String> reasons = reader.stats().firstReasons();
    assertThat(reasons).hasSize(4);
    assertThat(reasons.get(0))
        .startsWith(file + ":2: behavior_type 'click' is not one of pv, cart, fav, buy")
        .endsWith("(line: \"1,2333346,2520771,click,1511561733\")");
    assertThat(reasons.get(1))
        .startsWith(
            file
                + ":3: expected 5 fields user_id,item_id,category_id,behavior_type,"
                + "timestamp but found 4");
    assertThat(reasons.get(2)).startsWith(file + ":6: user_id 'x1' is not a non-negative integer");
    assertThat(reasons.get(3))
        .startsWith(file + ":7: event_time_ms 1511616000 is before 1990-01-01");
  }

  @Test
  void skipPolicyKeepsOnlyTheFirstReasons() throws IOException {
    EventReader reader =
        TaobaoCsv.open(
            Resources.path("taobao/UserBehavior-bad.csv"), new ParseOptions(BadLinePolicy.SKIP, 2));
    Drain.all(reader);

    assertThat(reader.stats().skipped()).isEqualTo(4);
    assertThat(reader.stats().firstReasons()).hasSize(2);
  }

  @Test
  void failPolicyStopsAtTheFirstBadLineWithFileAndLine() throws IOException {
    Path file = Resources.path("taobao/UserBehavior-bad.csv");
    EventReader reader = TaobaoCsv.open(file, ParseOptions.fail());

    assertThat(reader.next().getItemId()).isEqualTo(2268318L);
    assertThatThrownBy(reader::next)
        .isInstanceOfSatisfying(
            BadLineException.class,
            e -> {
              assertThat(e.source()).isEqualTo(file.toString());
              assertThat(e.lineNumber()).isEqualTo(2);
              assertThat(e.reason()).startsWith("behavior_type 'click'");
            })
        .hasMessageStartingWith(file + ":2: behavior_type 'click' is not one of");
    assertThat(reader.hasNext()).isFalse();
  }

  @Test
  void rejectsOverflowingAndExtraFields() {
    String input = "1,2,3,pv,1511544070,extra\n1,2,3,pv,99999999999999999999\n";
    EventReader reader = TaobaoCsv.read(new StringReader(input), "inline", ParseOptions.skip());
    Drain.all(reader);

    assertThat(reader.stats().firstReasons())
        .containsExactly(
            "inline:1: expected 5 fields user_id,item_id,category_id,behavior_type,timestamp"
                + " but found 6 (line: \"1,2,3,pv,1511544070,extra\")",
            "inline:2: timestamp '99999999999999999999' is not an integer in range"
                + " (line: \"1,2,3,pv,99999999999999999999\")");
  }

  @Test
  void nextAfterTheEndThrows() {
    EventReader reader =
        TaobaoCsv.read(new StringReader("1,2,3,buy,1511544070\n"), "inline", ParseOptions.fail());
    reader.next();

    assertThat(reader.hasNext()).isFalse();
    assertThatThrownBy(reader::next).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void readsGzippedFiles(@TempDir Path dir) throws IOException {
    Path gz = dir.resolve("UserBehavior.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(Resources.path("taobao/UserBehavior-sample.csv")));
    }

    assertThat(Drain.all(TaobaoCsv.open(gz, ParseOptions.fail()))).hasSize(11);
  }

  @Test
  void missingFileIsAClearError(@TempDir Path dir) {
    assertThatThrownBy(() -> TaobaoCsv.open(dir.resolve("nope.csv"), ParseOptions.fail()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Input file not found")
        .hasMessageContaining("nope.csv");
  }
}
