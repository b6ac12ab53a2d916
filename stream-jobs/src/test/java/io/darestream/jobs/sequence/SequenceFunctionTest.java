package io.darestream.jobs.sequence;

import static io.darestream.jobs.testing.Events.T0;
import static io.darestream.jobs.testing.Events.click;
import static io.darestream.jobs.testing.Events.clickFor;
import static io.darestream.jobs.testing.Events.impression;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.state.sequence.AppendResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SequenceFunctionTest {
  private static final long WINDOW = Duration.ofMinutes(10).toMillis();
  private static final long SECOND = 1_000;
  private static final long INGEST = 42L;

  private KeyedOneInputStreamOperatorTestHarness<Long, IngestedEvent, TrainingSample> harness;

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  // ---- CLICK_ONLY ------------------------------------------------------------------------------

  @Test
  void eachClickIsAPositiveWithTheHistoryBeforeIt() throws Exception {
    harness = open(LabelMode.CLICK_ONLY, 0, null);

    send(click("a", 1, 10, T0));
    send(click("b", 1, 11, T0 + SECOND));
    send(click("c", 1, 12, T0 + 2 * SECOND));

    List<TrainingSample> out = harness.extractOutputValues();
    assertThat(out).extracting(TrainingSample::label).containsOnly(1);
    assertThat(out).extracting(TrainingSample::targetItem).containsExactly(10L, 11L, 12L);
    assertThat(out.get(2).historyItems()).containsExactly(11L, 10L); // newest first
    assertThat(out.get(0).ingestTimeMs()).isEqualTo(INGEST);
  }

  @Test
  void historyNeverContainsTheTargetOrAnythingAfterIt() throws Exception {
    harness = open(LabelMode.CLICK_ONLY, 0, null);

    // Arrives out of order: the later behaviours are already in the sequence.
    send(click("late1", 1, 30, T0 + 30 * SECOND));
    send(click("late2", 1, 20, T0 + 20 * SECOND));
    send(click("first", 1, 10, T0 + 10 * SECOND));
    send(click("same-time", 1, 11, T0 + 10 * SECOND));

    TrainingSample first = sampleFor(10L);
    assertThat(first.historyLength()).isZero();
    TrainingSample sameTime = sampleFor(11L);
    assertThat(sameTime.historyItems()).doesNotContain(10L, 11L, 20L, 30L);
    TrainingSample second = sampleFor(20L);
    // Made when it arrived: only the (later) item 30 was stored then, and it is excluded.
    assertThat(second.historyItems()).isEmpty();
  }

  @Test
  void duplicateEventLandsOnceAndLabelsNothingTwice() throws Exception {
    harness = open(LabelMode.CLICK_ONLY, 0, null);

    send(click("a", 1, 10, T0));
    send(click("a", 1, 10, T0));

    assertThat(harness.extractOutputValues()).hasSize(1);
    assertThat(updates())
        .extracting(SequenceUpdate::result)
        .containsExactly(AppendResult.APPENDED, AppendResult.DUPLICATE);
    assertThat(updates()).last().extracting(SequenceUpdate::sequenceLength).isEqualTo(1);
  }

  @Test
  void aClickOnAnItemNotYetWarmIsAppendedButMakesNoSample() throws Exception {
    harness = open(LabelMode.CLICK_ONLY, 1, warmMinCount(1));

    send(click("a", 1, 10, T0)); // item 10 never seen: cold
    send(click("b", 2, 11, T0 + SECOND)); // cold
    assertThat(harness.extractOutputValues()).isEmpty();
    send(click("c", 3, 10, T0 + 2 * SECOND)); // seen once: warm

    List<TrainingSample> out = harness.extractOutputValues();
    assertThat(out).extracting(TrainingSample::targetItem).containsExactly(10L, 11L);
    assertThat(out).extracting(TrainingSample::label).containsExactly(1, 0);
    assertThat(updates())
        .extracting(SequenceUpdate::result)
        .containsOnly(AppendResult.APPENDED)
        .hasSize(3);
    assertThat(harness.getSideOutput(SequenceFunction.COLD_CLICKS))
        .as("the cold clicks' users, for exact counts")
        .extracting(StreamRecord::getValue)
        .containsExactly(1L, 2L);
  }

  @Test
  void negativesExcludeTheHistoryWhenConfigured() throws Exception {
    Configuration c = new Configuration();
    c.set(LabelOptions.NEGATIVES_EXCLUDE_HISTORY, true);
    harness = open(LabelMode.CLICK_ONLY, 2, c);
    for (int u = 2; u < 12; u++) { // other users make items frequent
      send(click("o" + u, u, 100 + u, T0));
    }
    send(click("h1", 1, 103, T0 + SECOND)); // user 1 already has item 103 in its history
    harness.getOutput().clear();

    send(click("p", 1, 104, T0 + 2 * SECOND));

    List<TrainingSample> out = harness.extractOutputValues();
    assertThat(out).filteredOn(s -> s.label() == 1).hasSize(1);
    List<TrainingSample> negatives = out.stream().filter(s -> s.label() == 0).toList();
    assertThat(negatives).hasSize(2);
    assertThat(negatives)
        .allSatisfy(
            n -> {
              assertThat(n.targetItem()).isNotIn(103L, 104L);
              assertThat(n.historyItems()).containsExactly(103L);
              assertThat(n.eventTimeMs()).isEqualTo(T0 + 2 * SECOND);
            });
  }

  @Test
  void impressionsAreIgnoredInClickOnlyMode() throws Exception {
    harness = open(LabelMode.CLICK_ONLY, 0, null);

    send(impression("i", 1, 10, "r", T0));

    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(harness.numKeyedStateEntries()).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  @Test
  void capKeepsTheNewestBehaviours() throws Exception {
    Configuration c = new Configuration();
    c.set(SequenceOptions.MAX_LENGTH, 3);
    harness = open(LabelMode.CLICK_ONLY, 0, c);

    for (int i = 0; i < 6; i++) {
      send(click("e" + i, 1, i, T0 + i * SECOND));
    }

    assertThat(updates()).last().extracting(SequenceUpdate::sequenceLength).isEqualTo(3);
    assertThat(sampleFor(5L).historyItems()).containsExactly(4L, 3L);
  }

  // ---- IMPRESSION ------------------------------------------------------------------------------

  @Test
  void clickWithTheSameRequestIdMakesTheImpressionPositive() throws Exception {
    harness = open(LabelMode.IMPRESSION, 0, null);
    send(click("h", 1, 7, T0 - SECOND));

    send(impression("i1", 1, 10, "req-1", T0));
    send(click("later", 1, 8, T0 + SECOND));
    send(clickFor("c1", 1, 10, "req-1", T0 + 2 * SECOND));
    assertThat(harness.extractOutputValues()).as("labels wait for the window").isEmpty();

    harness.processWatermark(new Watermark(T0 + WINDOW));
    List<TrainingSample> out = harness.extractOutputValues();
    assertThat(out).hasSize(1);
    TrainingSample s = out.get(0);
    assertThat(s.label()).isEqualTo(1);
    assertThat(s.targetItem()).isEqualTo(10L);
    assertThat(s.eventTimeMs()).isEqualTo(T0);
    // As of the impression: neither the later click nor the labelling click.
    assertThat(s.historyItems()).containsExactly(7L);
  }

  @Test
  void clickOnTheSameItemWithoutRequestIdAlsoCounts() throws Exception {
    harness = open(LabelMode.IMPRESSION, 0, null);

    send(impression("i1", 1, 10, "req-1", T0));
    send(click("c1", 1, 10, T0 + SECOND));
    send(click("c2", 1, 10, T0 + 2 * SECOND)); // a second click labels nothing twice

    harness.processWatermark(new Watermark(T0 + WINDOW));
    assertThat(harness.extractOutputValues()).extracting(TrainingSample::label).containsExactly(1);
  }

  @Test
  void positivesAndNegativesAreReleasedInImpressionOrder() throws Exception {
    harness = open(LabelMode.IMPRESSION, 0, null);
    send(impression("i1", 1, 10, "r1", T0));
    send(impression("i2", 1, 11, "r2", T0 + SECOND));
    send(clickFor("c2", 1, 11, "r2", T0 + 2 * SECOND));

    harness.processWatermark(new Watermark(T0 + WINDOW));
    assertThat(harness.extractOutputValues())
        .extracting(TrainingSample::targetItem, TrainingSample::label)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(10L, 0));
    harness.processWatermark(new Watermark(T0 + SECOND + WINDOW));
    assertThat(harness.extractOutputValues())
        .extracting(TrainingSample::targetItem, TrainingSample::label)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(10L, 0),
            org.assertj.core.groups.Tuple.tuple(11L, 1));
  }

  @Test
  void unclickedImpressionBecomesNegativeWhenTheWindowCloses() throws Exception {
    harness = open(LabelMode.IMPRESSION, 0, null);
    send(click("h", 1, 7, T0 - SECOND));
    send(impression("i1", 1, 10, "req-1", T0));
    send(click("too-late", 1, 10, T0 + WINDOW + 1)); // outside the window: no attribution

    harness.processWatermark(new Watermark(T0 + WINDOW - 1));
    assertThat(harness.extractOutputValues()).isEmpty();
    harness.processWatermark(new Watermark(T0 + WINDOW));

    List<TrainingSample> out = harness.extractOutputValues();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).label()).isZero();
    assertThat(out.get(0).historyItems()).containsExactly(7L);
  }

  @Test
  void clickProcessedBeforeItsImpressionStillMakesItPositive() throws Exception {
    harness = open(LabelMode.IMPRESSION, 0, null);
    send(click("h", 1, 7, T0 - SECOND));
    // Out of order: the click is processed first, its impression after it.
    send(clickFor("c1", 1, 10, "req-1", T0 + SECOND));
    send(impression("i1", 1, 10, "req-1", T0));
    // In the click's window too, but the click went to its own request's impression.
    send(impression("i2", 1, 10, "req-2", T0 - SECOND / 2));

    harness.processWatermark(new Watermark(T0 + SECOND + WINDOW));
    assertThat(harness.extractOutputValues())
        .extracting(TrainingSample::eventTimeMs, TrainingSample::label)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(T0 - SECOND / 2, 0),
            org.assertj.core.groups.Tuple.tuple(T0, 1));
    // As of the impression: the earlier click only, not the one that labels it.
    assertThat(harness.extractOutputValues().get(1).historyItems()).containsExactly(7L);
    assertOnlyTheSequenceIsLeft();
  }

  @Test
  void earlyClickOutsideTheWindowOrWithoutImpressionLabelsNothing() throws Exception {
    harness = open(LabelMode.IMPRESSION, 0, null);
    send(click("late", 1, 10, T0 + WINDOW + 1)); // after the window of the impression below
    send(click("alone", 1, 11, T0));
    send(impression("i1", 1, 10, null, T0));

    harness.processWatermark(new Watermark(T0 + WINDOW + 1 + WINDOW));
    assertThat(harness.extractOutputValues())
        .extracting(TrainingSample::targetItem, TrainingSample::label)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(10L, 0));
    assertOnlyTheSequenceIsLeft();
  }

  @Test
  void noPendingStateOrTimerIsLeftBehind() throws Exception {
    harness = open(LabelMode.IMPRESSION, 0, null);
    send(impression("i1", 1, 10, "r1", T0));
    send(impression("i2", 1, 11, "r2", T0 + SECOND));
    send(impression("i1", 1, 10, "r1", T0)); // replayed
    send(clickFor("c", 1, 10, "r1", T0 + 2 * SECOND));
    send(impression("j1", 2, 10, "r3", T0));

    harness.processWatermark(new Watermark(T0 + 2 * WINDOW));

    assertThat(harness.extractOutputValues())
        .extracting(TrainingSample::userId, TrainingSample::targetItem, TrainingSample::label)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(1L, 10L, 1),
            org.assertj.core.groups.Tuple.tuple(1L, 11L, 0),
            org.assertj.core.groups.Tuple.tuple(2L, 10L, 0));
    assertThat(harness.numEventTimeTimers()).isZero();
    harness.snapshot(1L, 1L); // cached sequences reach keyed state at checkpoints
    // Only user 1's sequence (its click) remains; user 2 never did anything but look.
    assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
  }

  @Test
  void evictedAndCheckpointedSequencesAreWrittenBack() throws Exception {
    Configuration c = new Configuration();
    c.set(SequenceOptions.CACHE_USERS, 1); // every other user evicts the previous one
    harness = open(LabelMode.CLICK_ONLY, 0, c);
    send(click("a1", 1, 7, T0));
    send(click("b1", 2, 8, T0));
    send(click("a2", 1, 9, T0 + SECOND)); // user 1 read back from state after its eviction
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
    harness.close();

    harness = create(LabelMode.CLICK_ONLY, 0, c);
    harness.initializeState(snapshot);
    harness.open();
    send(click("a3", 1, 10, T0 + 2 * SECOND));
    send(click("b2", 2, 11, T0 + 2 * SECOND));

    List<TrainingSample> out = harness.extractOutputValues();
    assertThat(out.get(0).historyItems()).containsExactly(9L, 7L);
    assertThat(out.get(1).historyItems()).containsExactly(8L);
  }

  @Test
  void writesThroughWithoutACache() throws Exception {
    Configuration c = new Configuration();
    c.set(SequenceOptions.CACHE_USERS, 0);
    harness = open(LabelMode.CLICK_ONLY, 0, c);
    send(click("a1", 1, 7, T0));
    assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
  }

  @Test
  void sequencesPendingImpressionsAndTimersSurviveSnapshotAndRestore() throws Exception {
    harness = open(LabelMode.IMPRESSION, 0, null);
    send(click("h1", 1, 7, T0 - 2 * SECOND));
    send(impression("i1", 1, 10, "r1", T0));
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
    harness.close();

    harness = create(LabelMode.IMPRESSION, 0, null);
    harness.initializeState(snapshot);
    harness.open();
    send(click("h1", 1, 7, T0 - 2 * SECOND)); // replay after restore: still a duplicate
    harness.processWatermark(new Watermark(T0 + WINDOW));

    assertThat(updates())
        .extracting(SequenceUpdate::result)
        .containsExactly(AppendResult.DUPLICATE);
    List<TrainingSample> out = harness.extractOutputValues();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).label()).isZero();
    assertThat(out.get(0).historyItems()).containsExactly(7L);
    assertThat(harness.numEventTimeTimers()).isZero();
  }

  @Test
  void negativesAfterARestoreAreThoseOfAnUninterruptedRun() throws Exception {
    List<TrainingSample> uninterrupted = new ArrayList<>();
    List<TrainingSample> restored = new ArrayList<>();
    for (boolean restore : new boolean[] {false, true}) {
      // Warm targets on: a restored window must also know which items are warm.
      harness = open(LabelMode.CLICK_ONLY, 2, warmMinCount(1));
      for (int u = 2; u < 40; u++) { // fills the sampler's window
        send(click("o" + u, u, 100 + u % 13, T0 + u));
      }
      if (restore) {
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();
        harness = create(LabelMode.CLICK_ONLY, 2, warmMinCount(1));
        harness.initializeState(snapshot);
        harness.open();
      } else {
        harness.getOutput().clear();
      }
      send(click("p1", 1, 104, T0 + SECOND));
      send(click("p2", 7, 105, T0 + 2 * SECOND));
      (restore ? restored : uninterrupted).addAll(harness.extractOutputValues());
      harness.close();
      harness = null;
    }
    assertThat(uninterrupted).filteredOn(s -> s.label() == 1).hasSize(2);
    assertThat(uninterrupted).filteredOn(s -> s.label() == 0).hasSize(4);
    assertThat(restored)
        .extracting(TrainingSample::userId, TrainingSample::targetItem, TrainingSample::label)
        .containsExactlyElementsOf(
            uninterrupted.stream()
                .map(
                    s -> org.assertj.core.groups.Tuple.tuple(s.userId(), s.targetItem(), s.label()))
                .toList());
  }

  // ---- dedup over a time horizon --------------------------------------------------------------

  @Test
  void hundredEventsSentElevenTimesEachLandOnce() throws Exception {
    harness = open(LabelMode.CLICK_ONLY, 0, null);

    for (int copy = 0; copy < 11; copy++) {
      for (int i = 0; i < 100; i++) {
        send(click("e" + i, 1, 1000 + i, T0 + i * SECOND));
      }
    }
    send(click("target", 1, 5, T0 + 200 * SECOND));

    assertThat(updates())
        .filteredOn(u -> u.result() == AppendResult.APPENDED)
        .extracting(SequenceUpdate::eventId)
        .hasSize(101)
        .doesNotHaveDuplicates();
    assertThat(updates()).filteredOn(u -> u.result() == AppendResult.DUPLICATE).hasSize(1000);
    TrainingSample last = sampleFor(5L);
    assertThat(last.historyItems()).hasSize(100).doesNotHaveDuplicates();
  }

  @Test
  void anIdComesBackOnlyBeyondTheHorizon() throws Exception {
    Configuration c = new Configuration();
    c.set(SequenceOptions.DEDUP_HORIZON, Duration.ofMinutes(1));
    harness = open(LabelMode.CLICK_ONLY, 0, c);

    send(click("a", 1, 10, T0));
    send(click("b", 1, 11, T0 + 60 * SECOND));
    send(click("a", 1, 10, T0)); // the newest is exactly one horizon ahead: still remembered
    send(click("c", 1, 12, T0 + 60 * SECOND + 1));
    send(click("a", 1, 10, T0)); // now beyond: counts again (the documented bound)

    assertThat(updates())
        .extracting(SequenceUpdate::result)
        .containsExactly(
            AppendResult.APPENDED,
            AppendResult.APPENDED,
            AppendResult.DUPLICATE,
            AppendResult.APPENDED,
            AppendResult.APPENDED);
  }

  @Test
  void stateWrittenByTheVersion1SequenceFormatRestoresWithItsIds() throws Exception {
    // Written by SequenceOperator at commit 79281a4 (sequence codec version 1, 64-id window):
    // user 1, clicks "v1-0".."v1-4" on items 100..104 at T0 + i s.
    String path =
        SequenceFunctionTest.class.getResource("/fixtures/sequence-operator-v1.snapshot").getPath();
    harness = create(LabelMode.CLICK_ONLY, 0, null);
    harness.initializeState(OperatorSnapshotUtil.readStateHandle(path));
    harness.open();

    send(click("v1-2", 1, 102, T0 + 2 * SECOND));
    send(click("next", 1, 105, T0 + 10 * SECOND));

    assertThat(updates())
        .extracting(SequenceUpdate::result)
        .containsExactly(AppendResult.DUPLICATE, AppendResult.APPENDED);
    assertThat(sampleFor(105L).historyItems()).containsExactly(104L, 103L, 102L, 101L, 100L);

    // Written again (now in version 2) and restored: the ids are still there.
    OperatorSubtaskState v2 = harness.snapshot(2L, 2L);
    harness.close();
    harness = create(LabelMode.CLICK_ONLY, 0, null);
    harness.initializeState(v2);
    harness.open();
    send(click("v1-0", 1, 100, T0));
    assertThat(updates())
        .extracting(SequenceUpdate::result)
        .containsExactly(AppendResult.DUPLICATE);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private KeyedOneInputStreamOperatorTestHarness<Long, IngestedEvent, TrainingSample> open(
      LabelMode mode, int negativeRatio, Configuration extra) throws Exception {
    var h = create(mode, negativeRatio, extra);
    h.open();
    return h;
  }

  private static Configuration warmMinCount(int count) {
    Configuration c = new Configuration();
    c.set(LabelOptions.WARM_MIN_COUNT, count);
    return c;
  }

  /**
   * A harness of the function; CLICK_ONLY labels every click (warm minimum 0) unless {@code extra}
   * sets a warm minimum, so that tests of the sequence see a sample per click.
   */
  private static KeyedOneInputStreamOperatorTestHarness<Long, IngestedEvent, TrainingSample> create(
      LabelMode mode, int negativeRatio, Configuration extra) throws Exception {
    Configuration c = extra == null ? new Configuration() : extra;
    if (!c.contains(LabelOptions.WARM_MIN_COUNT)) {
      c.set(LabelOptions.WARM_MIN_COUNT, 0);
    }
    c.set(LabelOptions.MODE, mode);
    c.set(LabelOptions.NEGATIVE_RATIO, negativeRatio);
    c.set(LabelOptions.ATTRIBUTION_WINDOW, Duration.ofMillis(WINDOW));
    SequenceFunction fn =
        new SequenceFunction(
            SequenceOptions.from(c), LabelOptions.from(c), Duration.ofDays(1).toMillis());
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new SequenceOperator(fn), e -> e.event().getUserId(), Types.LONG);
    h.setup(TrainingSampleSerializer.TYPE_INFO.createSerializer(new SerializerConfigImpl()));
    return h;
  }

  /** No timer, no pending entry: one user's sequence is all the keyed state left. */
  private void assertOnlyTheSequenceIsLeft() throws Exception {
    assertThat(harness.numEventTimeTimers()).isZero();
    harness.snapshot(1L, 1L); // cached sequences reach keyed state at checkpoints
    assertThat(harness.numKeyedStateEntries()).as("the sequence only").isEqualTo(1);
  }

  private void send(BehaviorEvent e) throws Exception {
    harness.processElement(new StreamRecord<>(new IngestedEvent(e, INGEST), e.getEventTimeMs()));
  }

  private List<SequenceUpdate> updates() {
    return harness.getSideOutput(SequenceFunction.UPDATES).stream()
        .map(StreamRecord::getValue)
        .toList();
  }

  private TrainingSample sampleFor(long item) {
    return harness.extractOutputValues().stream()
        .filter(s -> s.targetItem() == item)
        .findFirst()
        .orElseThrow();
  }
}
