package io.darestream.serving.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.testing.ForgedRecords;
import io.darestream.schemas.testing.ForgedRecords.Forged;
import io.darestream.schemas.testing.ForgedRecords.Kind;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.sequence.OffsetFile;
import io.darestream.state.sequence.SequenceStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The behaviour feed's record handling on a real sequence store, without a broker. */
class BehaviorFeedTest {
  private static final String TOPIC = "behavior-events";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;
  private SequenceStore store;
  private final ServingMetrics metrics = new ServingMetrics();
  private BehaviorFeed feed;
  private long offset;

  @BeforeEach
  void open() {
    store = SequenceStore.builder().setPath(dir.resolve("seq")).open();
    feed = new BehaviorFeed(TOPIC, store, new OffsetFile(dir.resolve("offsets")), metrics, () -> 0);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void deliver(byte[] value) {
    feed.handle(new ConsumerRecord<>(TOPIC, 0, offset++, null, value));
  }

  private static byte[] event(String id, long user, long item, BehaviorType type, long t) {
    return Codecs.BEHAVIOR_EVENT.encode(
        BehaviorEvent.newBuilder()
            .setEventId(id)
            .setUserId(user)
            .setItemId(item)
            .setCategoryId(item % 7)
            .setType(type)
            .setEventTimeMs(t)
            .build());
  }

  @Test
  void storesBehavioursButNotImpressionsAndDropsDuplicates() {
    deliver(event("a", 1, 10, BehaviorType.CLICK, T0));
    deliver(event("b", 1, 11, BehaviorType.IMPRESSION, T0 + 1));
    deliver(event("c", 1, 12, BehaviorType.BUY, T0 + 2));
    deliver(event("c", 1, 12, BehaviorType.BUY, T0 + 2));

    assertThat(store.newest(1, 10).items()).containsExactly(12L, 10L);
  }

  @Test
  void countsAndSkipsBadRecordsWithoutStopping() {
    deliver(new byte[] {1, 2, 3});
    deliver(event("", 1, 10, BehaviorType.CLICK, T0));
    deliver(event("ok", 1, 10, BehaviorType.CLICK, T0));

    assertThat(store.newest(1, 10).items()).containsExactly(10L);
    assertThat(metrics.scrape())
        .contains("serving_records_bad_total{reason=\"bad_header\",topic=\"behavior-events\"} 1.0")
        .contains(
            "serving_records_bad_total{reason=\"invalid_field\",topic=\"behavior-events\"} 1.0");
  }

  @Test
  void isCaughtUpOnceTheStartEndOffsetsAreReachedAndResumesFromTheOffsetFile() {
    assertThat(feed.startOffsets(Map.of(P0, 2L))).isEmpty();
    assertThat(feed.caughtUp()).isFalse();

    feed.afterPoll(Map.of(P0, 2L));
    assertThat(feed.caughtUp()).isTrue();
    feed.flush();

    BehaviorFeed restarted =
        new BehaviorFeed(TOPIC, store, new OffsetFile(dir.resolve("offsets")), metrics, () -> 0);
    assertThat(restarted.startOffsets(Map.of(P0, 5L))).containsEntry(P0, 2L);
    assertThat(restarted.caughtUp()).isFalse();
  }

  @Test
  void forgedRecordsOfEveryKindAreCountedAndSkippedAndEveryGoodOneIsStored() {
    long records = Long.getLong("fuzz.records", 2_000);
    List<Long> goodUsers = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    for (Forged f : new ForgedRecords(records, 5, 1_000_000)) {
      double badBefore = metrics.badRecordsCount(TOPIC);
      feed.handle(new ConsumerRecord<>(TOPIC, 0, offset++, f.key(), f.value()));
      boolean counted = metrics.badRecordsCount(TOPIC) == badBefore + 1;
      // The outcome the real decoder and validator give the record: skipped exactly when refused.
      boolean refused = !ForgedRecords.outcomeOf(f.value()).equals(ForgedRecords.ACCEPTED);
      if (counted != refused || (f.mustBeAccepted() && counted)) {
        wrong.add(f + (counted ? " counted as bad" : " not counted"));
      }
      if (f.kind() == Kind.GOOD) {
        goodUsers.add(f.userId());
      }
    }
    deliver(event("after-the-storm", 77, 10, BehaviorType.CLICK, T0));

    assertThat(wrong).isEmpty();
    assertThat(goodUsers).isNotEmpty().allSatisfy(u -> assertThat(store.size(u)).isOne());
    assertThat(store.newest(77, 10).items()).containsExactly(10L);
  }
}
