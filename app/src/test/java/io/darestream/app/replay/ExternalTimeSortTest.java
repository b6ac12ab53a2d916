package io.darestream.app.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.ingest.EventDecoder;
import io.darestream.jobs.ingest.EventGate;
import io.darestream.jobs.ingest.IngestRecord;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.input.ParseOptions;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.validate.EventPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay decision for user-ordered files (Taobao UserBehavior): sorted by time in bounded
 * memory, every event kept once, each user's order kept, and none late for the job's watermarks;
 * replayed as is, most would be dead-lettered as late.
 */
class ExternalTimeSortTest {
  private static final EventDecoder DECODER = new EventDecoder();
  private static final int USERS = 40;
  private static final int PER_USER = 50;

  @TempDir Path tmp;

  private List<BehaviorEvent> readAll(EventSource source) {
    List<BehaviorEvent> out = new ArrayList<>();
    try (source) {
      source.forEachRemaining(out::add);
    }
    return out;
  }

  private EventSource open(Path file, TimeOrder order, int runSize) {
    return EventSources.file(
        file,
        EventFormat.TAOBAO,
        ParseOptions.skip(),
        order,
        tmp.resolve("sort"),
        runSize,
        n -> {});
  }

  @Test
  void sortsAUserOrderedFileByTimeKeepingEveryEventAndEachUsersOrder() throws IOException {
    Path file = UserOrderedFiles.taobao(tmp.resolve("UserBehavior.csv"), USERS, PER_USER);
    List<BehaviorEvent> asIs = readAll(open(file, TimeOrder.FILE, 1));
    assertThat(isTimeOrdered(asIs)).as("the file itself is not in time order").isFalse();

    // Runs of 97 events: about 20 temporary runs for 2,000 events, merged back.
    EventSource sorted = open(file, TimeOrder.TIME, 97);
    assertThat(sorted.total()).isEqualTo(USERS * PER_USER);
    assertThat(sorted.description()).contains("sorted by time");
    assertThat(runFiles()).hasSizeGreaterThan(10);
    List<BehaviorEvent> events = readAll(sorted);

    assertThat(events).hasSize(asIs.size());
    assertThat(isTimeOrdered(events)).isTrue();
    assertThat(events.stream().map(BehaviorEvent::getEventId))
        .containsExactlyInAnyOrderElementsOf(asIs.stream().map(BehaviorEvent::getEventId).toList());
    assertThat(perUser(events)).isEqualTo(perUser(asIs));
    assertThat(runFiles()).as("temporary runs are deleted on close").isEmpty();
  }

  @Test
  void skippedLinesKeepTheirReasonsThroughTheSortInMemoryAndMerged() throws IOException {
    Path file = UserOrderedFiles.taobao(tmp.resolve("UserBehavior.csv"), 3, 10);
    Files.writeString(
        file,
        "7,1,1,pv,-5\nnot,a,line\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    for (int runSize : new int[] {1_000, 7}) {
      try (EventSource sorted = open(file, TimeOrder.TIME, runSize)) {
        assertThat(sorted.total()).isEqualTo(30);
        assertThat(sorted.skipped()).isEqualTo(2);
        assertThat(sorted.firstSkipReasons())
            .hasSize(2)
            .containsExactly(
                file + ":31: timestamp '-5' is not a non-negative integer (line: \"7,1,1,pv,-5\")",
                file
                    + ":32: expected 5 fields user_id,item_id,category_id,behavior_type,timestamp"
                    + " but found 3 (line: \"not,a,line\")");
      }
    }
  }

  @Test
  void aReplaysSkipLinesShowTheFirstReasonsThenHowManyMore() {
    ReplayResult r = new ReplayResult(5, 5, 4, List.of("f:1: a", "f:2: b", "f:3: c"), 1.0);
    assertThat(r.skipLines(2))
        .containsExactly("skipped f:1: a", "skipped f:2: b", "and 2 more skipped lines");
    assertThat(r.skipLines(5))
        .containsExactly(
            "skipped f:1: a", "skipped f:2: b", "skipped f:3: c", "and 1 more skipped line");
    assertThat(new ReplayResult(5, 5, 0, List.of(), 1.0).skipLines(3)).isEmpty();
    assertThat(ReplayResult.skipLines(1_200, List.of(), 3)).containsExactly("1,200 skipped lines");
  }

  @Test
  void aSmallFileIsSortedInMemory() throws IOException {
    Path file = UserOrderedFiles.taobao(tmp.resolve("small.csv"), 3, 10);
    List<BehaviorEvent> events = readAll(open(file, TimeOrder.TIME, 1_000));
    assertThat(events).hasSize(30);
    assertThat(isTimeOrdered(events)).isTrue();
    assertThat(runFiles()).isEmpty();
  }

  @Test
  void sortedReplayHasNoLateEventsWhereFileOrderHasMany() throws IOException {
    Path file = UserOrderedFiles.taobao(tmp.resolve("UserBehavior.csv"), USERS, PER_USER);
    // The job's defaults: 5 s out-of-orderness, events more than 1 day behind are late.
    Duration outOfOrder = Duration.ofSeconds(5);
    EventGate gate = new EventGate(EventPolicy.defaults());
    assertThat(late(readAll(open(file, TimeOrder.TIME, 97)), gate, outOfOrder)).isZero();
    assertThat(late(readAll(open(file, TimeOrder.FILE, 1)), gate, outOfOrder))
        .as("replayed in file order, later users fall behind the first user's watermark")
        .isGreaterThan(USERS * PER_USER / 2);
  }

  @Test
  void missingFileIsAClearError() {
    assertThatThrownBy(() -> open(tmp.resolve("nope.csv"), TimeOrder.TIME, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope.csv does not exist");
  }

  /** Events the job's gate would reject as late, with one partition's watermark. */
  private static long late(List<BehaviorEvent> events, EventGate gate, Duration outOfOrder) {
    long max = Long.MIN_VALUE;
    long late = 0;
    long offset = 0;
    for (BehaviorEvent e : events) {
      long watermark = max == Long.MIN_VALUE ? Long.MIN_VALUE : max - outOfOrder.toMillis() - 1;
      IngestRecord record =
          DECODER.decode(
              "behavior-events",
              0,
              offset++,
              e.getEventTimeMs(),
              Long.toString(e.getUserId()).getBytes(StandardCharsets.UTF_8),
              Codecs.BEHAVIOR_EVENT.encode(e));
      if (!gate.check(record, watermark, e.getEventTimeMs()).accepted()) {
        late++;
      }
      max = Math.max(max, e.getEventTimeMs());
    }
    return late;
  }

  private static boolean isTimeOrdered(List<BehaviorEvent> events) {
    for (int i = 1; i < events.size(); i++) {
      if (events.get(i).getEventTimeMs() < events.get(i - 1).getEventTimeMs()) {
        return false;
      }
    }
    return true;
  }

  private static Map<Long, List<String>> perUser(List<BehaviorEvent> events) {
    Map<Long, List<String>> m = new HashMap<>();
    for (BehaviorEvent e : events) {
      m.computeIfAbsent(e.getUserId(), k -> new ArrayList<>()).add(e.getEventId());
    }
    return m;
  }

  private List<Path> runFiles() throws IOException {
    Path dir = tmp.resolve("sort");
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".bin.gz")).toList();
    }
  }
}
