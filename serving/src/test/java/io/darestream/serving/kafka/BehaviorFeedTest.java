package io.darestream.serving.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.testing.ForgedRecords;
import io.darestream.schemas.testing.ForgedRecords.Forged;
import io.darestream.schemas.testing.ForgedRecords.Kind;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.schemas.validate.StreamClock;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.sequence.OffsetFile;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.EventIds;
import io.darestream.state.sequence.SequenceLimits;
import io.darestream.state.sequence.SequenceStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The behaviour feed's record handling on a real sequence store, without a broker. */
class BehaviorFeedTest {
  private static final String TOPIC = "behavior-events";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  private static final long T0 = 1_700_000_000_000L;
  private static final long HOUR = 3_600_000L;
  private static final long YEAR_3000 = Instant.parse("3000-01-01T00:00:00Z").toEpochMilli();
  private static final EventPolicy POLICY = EventPolicy.defaults();

  @TempDir Path dir;
  private SequenceStore store;
  private final ServingMetrics metrics = new ServingMetrics();
  private BehaviorFeed feed;
  private long offset;
  private long now = T0 + HOUR;

  @BeforeEach
  void open() {
    store =
        SequenceStore.builder()
            .setPath(dir.resolve("seq"))
            .optLimits(
                SequenceLimits.builder().optMaxOutOfOrderMs(POLICY.maxOutOfOrderMs()).build())
            .open();
    feed = newFeed();
  }

  private BehaviorFeed newFeed() {
    return new BehaviorFeed(
        TOPIC, store, POLICY, new OffsetFile(dir.resolve("offsets")), metrics, () -> now);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void deliver(byte[] value) {
    feed.handle(new ConsumerRecord<>(TOPIC, 0, offset++, null, value));
  }

  /** A record the producer stamped (Kafka CreateTime) at {@code producedMs}. */
  private void deliverAt(byte[] value, long producedMs) {
    deliverAt(0, value, producedMs);
  }

  private void deliverAt(int partition, byte[] value, long producedMs) {
    feed.handle(
        new ConsumerRecord<>(
            TOPIC,
            partition,
            offset++,
            producedMs,
            TimestampType.CREATE_TIME,
            -1,
            value.length,
            null,
            value,
            new RecordHeaders(),
            Optional.empty()));
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

    BehaviorFeed restarted = newFeed();
    assertThat(restarted.startOffsets(Map.of(P0, 5L))).containsEntry(P0, 2L);
    assertThat(restarted.caughtUp()).isFalse();
  }

  @Test
  void eventsAheadOfTimeNeitherFreezeTheUserNorEnterWhenTheJobRefusesThem() {
    List<byte[]> records =
        List.of(
            event("v1", 1, 10, BehaviorType.CLICK, now - 2_000),
            event("ahead-12h", 1, 11, BehaviorType.CLICK, now + 12 * HOUR), // the job accepts it
            event("year-3000", 1, 12, BehaviorType.CLICK, YEAR_3000), // the job dead-letters it
            event("v2", 1, 13, BehaviorType.CLICK, now + 1_000),
            event("v3", 1, 14, BehaviorType.CLICK, now + 2_000),
            event("v4", 1, 15, BehaviorType.PV, now + 3_000));
    for (byte[] r : records) {
      deliverAt(r, now);
      now += 1_000;
    }

    // Before: serving took both, and its 60 s ordering bound refused v2..v4 behind them (the
    // year-3000 one for good). Now it holds what the job's sequence holds.
    assertThat(store.newest(1, 10).items()).containsExactly(11L, 15L, 14L, 13L, 10L);
    assertThat(store.newest(1, 10).items()).containsExactly(jobHistory(records, T0 + HOUR, 10));
    assertThat(metrics.scrape())
        .contains(
            "serving_records_bad_total{reason=\"future_event\",topic=\"behavior-events\"} 1.0");
  }

  @Test
  void lateAndOutOfRangeEventsAreRefusedAsTheJobRefusesThem() {
    deliverAt(event("a", 1, 10, BehaviorType.CLICK, now), now);
    now += 1_000;
    // The watermark is now about "now": an event two days behind it is late for the job too.
    deliverAt(event("late", 2, 11, BehaviorType.CLICK, now - 2 * 24 * HOUR), now);
    deliverAt(event("huge-id", 2, Long.MAX_VALUE, BehaviorType.CLICK, now), now);

    assertThat(store.newest(2, 10).length()).isZero();
    assertThat(metrics.scrape())
        .contains("reason=\"late_event\"")
        .contains("reason=\"id_out_of_range\"");
  }

  @Test
  void catchingUpOnePartitionAfterAnotherLosesNoOlderEvent() {
    // Replaying a topic from its start: partition 1 is read to its end (4 days of events) before
    // partition 0's first record. As in the job, an assigned partition holds the watermark back
    // until it has records (or goes idle), so partition 0's older events are not late.
    now = T0 + 5 * 24 * HOUR; // the replay runs days after the events
    feed.startOffsets(Map.of(P0, 3L, new TopicPartition(TOPIC, 1), 3L));
    for (int day = 0; day < 4; day++) {
      long t = T0 + day * 24 * HOUR;
      deliverAt(1, event("p1-" + day, 5, 100 + day, BehaviorType.CLICK, t), t);
    }
    deliverAt(0, event("p0-old", 6, 200, BehaviorType.CLICK, T0), T0);

    assertThat(store.newest(5, 10).length()).isEqualTo(4);
    assertThat(store.newest(6, 10).items()).containsExactly(200L);
  }

  @Test
  void aHundredEventsSentElevenTimesEachAreStoredOnce() {
    for (int copy = 0; copy < 11; copy++) {
      for (int i = 0; i < 100; i++) {
        deliverAt(event("e" + i, 3, 100 + i, BehaviorType.CLICK, T0 + i * 1_000L), now);
      }
    }

    assertThat(store.size(3)).isEqualTo(100);
    assertThat(store.newest(3, 20).items()).doesNotHaveDuplicates();
  }

  /**
   * What the job's sequence of user 1 holds after {@code records}, one a second from {@code start}:
   * the shared policy decides acceptance (against the job's watermark rules), the job's {@link
   * BehaviorSequence} places them with the policy's ordering bound.
   */
  private static long[] jobHistory(List<byte[]> records, long start, int n) {
    StreamClock clock = new StreamClock(POLICY);
    BehaviorSequence seq =
        BehaviorSequence.create(
            SequenceLimits.builder().optMaxOutOfOrderMs(POLICY.maxOutOfOrderMs()).build());
    long t = start;
    for (byte[] bytes : records) {
      BehaviorEvent e = Codecs.BEHAVIOR_EVENT.decode(bytes);
      if (POLICY.check(e, clock.watermark(t), t).isEmpty()) {
        clock.observe(0, e.getEventTimeMs(), t, t);
        seq.append(
            EventIds.hash64(e.getEventId()),
            e.getItemId(),
            e.getCategoryId(),
            e.getEventTimeMs(),
            e.getType());
      }
      t += 1_000;
    }
    return seq.newest(n).items();
  }

  @Test
  void forgedRecordsOfEveryKindAreCountedAndSkippedAndEveryGoodOneIsStored() {
    long records = Long.getLong("fuzz.records", 2_000);
    now = ForgedRecords.BASE_TIME_MS; // the feed's clock: the forged records' own present
    List<Long> goodUsers = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    for (Forged f : new ForgedRecords(records, 5, 1_000_000)) {
      now += 10; // the records arrive as their stream's time passes, 10 ms apart
      double badBefore = metrics.badRecordsCount(TOPIC);
      feed.handle(new ConsumerRecord<>(TOPIC, 0, offset++, f.key(), f.value()));
      boolean counted = metrics.badRecordsCount(TOPIC) == badBefore + 1;
      // The outcome the real decoder and validator give the record: skipped exactly when refused.
      boolean refused = !ForgedRecords.outcomeAt(f.value(), now).equals(ForgedRecords.ACCEPTED);
      if (counted != refused || (f.mustBeAccepted() && counted)) {
        wrong.add(f + (counted ? " counted as bad" : " not counted"));
      }
      if (f.kind() == Kind.GOOD) {
        goodUsers.add(f.userId());
      }
    }
    deliver(event("after-the-storm", 77, 10, BehaviorType.CLICK, ForgedRecords.BASE_TIME_MS));

    assertThat(wrong).isEmpty();
    assertThat(goodUsers).isNotEmpty().allSatisfy(u -> assertThat(store.size(u)).isOne());
    assertThat(store.newest(77, 10).items()).containsExactly(10L);
  }
}
