package io.darestream.state.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorType;
import io.darestream.state.codec.CorruptDataException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BehaviorSequenceTest {
  private static final long T0 = 1_511_544_070_000L;

  private static SequenceLimits limits(int maxLength, long outOfOrderMs, long dedupHorizonMs) {
    return SequenceLimits.builder()
        .optMaxLength(maxLength)
        .optMaxOutOfOrderMs(outOfOrderMs)
        .optDedupHorizonMs(dedupHorizonMs)
        .build();
  }

  @Test
  void newestAndAsOfAreNewestFirst() {
    BehaviorSequence seq = BehaviorSequence.create(limits(10, 60_000, 8));
    for (int i = 0; i < 5; i++) {
      assertThat(seq.append(i + 1, 100 + i, 7, T0 + i * 1000L, BehaviorType.CLICK))
          .isEqualTo(AppendResult.APPENDED);
    }
    SequenceView v = seq.newest(3);
    assertThat(v.items()).containsExactly(104, 103, 102);
    assertThat(v.timesMs()).containsExactly(T0 + 4000, T0 + 3000, T0 + 2000);
    assertThat(v.type(0)).isEqualTo(BehaviorType.CLICK);
    assertThat(seq.newest(99).length()).isEqualTo(5);
    // strictly before: the event at T0 + 3000 itself is not history of a sample at that time
    assertThat(seq.asOf(T0 + 3000, 10).items()).containsExactly(102, 101, 100);
    assertThat(seq.asOf(T0 + 3000, 2).items()).containsExactly(102, 101);
    assertThat(seq.asOf(T0, 10).length()).isZero();
    // the narrow read the training samples use returns the same history
    BehaviorSequence.History h = seq.historyAsOf(T0 + 3000, 2);
    assertThat(h.items()).containsExactly(102, 101);
    assertThat(h.categories()).containsExactly(7, 7);
    assertThat(seq.historyAsOf(T0, 10).items()).isEmpty();
  }

  @Test
  void capDropsOldest() {
    BehaviorSequence seq = BehaviorSequence.create(limits(100, 0, 0));
    for (int i = 0; i < 1000; i++) {
      seq.append(0, i, i % 3, T0 + i, BehaviorType.PV);
    }
    assertThat(seq.size()).isEqualTo(100);
    assertThat(seq.newest(1).items()).containsExactly(999);
    assertThat(seq.oldestTimeMs()).isEqualTo(T0 + 900);
    // at the cap, an event older than everything kept is refused rather than stored and evicted
    assertThat(seq.append(0, 1, 1, T0 + 899, BehaviorType.PV)).isEqualTo(AppendResult.TOO_LATE);
  }

  @Test
  void outOfOrderWithinBoundIsPlacedInTimeOrderAndBeyondIsRefused() {
    BehaviorSequence seq = BehaviorSequence.create(limits(50, 10_000, 0));
    seq.append(0, 1, 1, T0, BehaviorType.PV);
    seq.append(0, 3, 1, T0 + 20_000, BehaviorType.PV);
    assertThat(seq.append(0, 2, 1, T0 + 15_000, BehaviorType.PV)).isEqualTo(AppendResult.APPENDED);
    assertThat(seq.append(0, 9, 1, T0 + 9_999, BehaviorType.PV)).isEqualTo(AppendResult.TOO_LATE);
    // equal times keep arrival order
    seq.append(0, 4, 1, T0 + 20_000, BehaviorType.PV);
    assertThat(seq.newest(10).items()).containsExactly(4, 3, 2, 1);
  }

  @Test
  void duplicatesWithinTheHorizonAreDroppedHoweverManyEventsCameBetween() {
    BehaviorSequence seq = BehaviorSequence.create(limits(1000, 60_000, 10_000));
    long a = EventIds.hash64("evt-a");
    assertThat(seq.append(a, 1, 1, T0, BehaviorType.CLICK)).isEqualTo(AppendResult.APPENDED);
    assertThat(seq.append(a, 1, 1, T0, BehaviorType.CLICK)).isEqualTo(AppendResult.DUPLICATE);
    for (int i = 0; i < 500; i++) { // the old 64-id window forgot "evt-a" after 64 of these
      seq.append(EventIds.hash64("other-" + i), 2, 1, T0 + 1 + i, BehaviorType.CLICK);
    }
    assertThat(seq.append(a, 1, 1, T0, BehaviorType.CLICK)).isEqualTo(AppendResult.DUPLICATE);
    // the ids survive serialization
    BehaviorSequence back = SequenceCodec.deserialize(seq.toBytes());
    assertThat(back.append(a, 1, 1, T0, BehaviorType.CLICK)).isEqualTo(AppendResult.DUPLICATE);
    // the user's newest behaviour moves 10 s + 1 ms past "evt-a": beyond the horizon it counts
    // again
    back.append(EventIds.hash64("later"), 3, 1, T0 + 10_001, BehaviorType.CLICK);
    assertThat(back.remembers(a)).isFalse();
    assertThat(back.append(a, 1, 1, T0, BehaviorType.CLICK)).isEqualTo(AppendResult.APPENDED);
    // id 0 means "no id": never a duplicate
    assertThat(seq.append(0, 1, 1, T0 + 11, BehaviorType.CLICK)).isEqualTo(AppendResult.APPENDED);
    assertThat(seq.append(0, 1, 1, T0 + 11, BehaviorType.CLICK)).isEqualTo(AppendResult.APPENDED);
  }

  @Test
  void withAHorizonAtLeastTheOrderingBoundNoIdIsEverAppendedTwice() {
    BehaviorSequence seq = BehaviorSequence.create(limits(20, 5_000, 5_000));
    Random rnd = new Random(7);
    Set<Long> appended = new HashSet<>();
    for (int step = 0; step < 20_000; step++) {
      long id = EventIds.hash64("e" + rnd.nextInt(400));
      long time = T0 + (id & 0xFFFF); // a re-sent event keeps its time
      if (seq.append(id, 1, 1, time, BehaviorType.CLICK) == AppendResult.APPENDED) {
        assertThat(appended.add(id)).as("step %d", step).isTrue();
      }
    }
    // ids are bounded by the cap, not by how many events came
    assertThat(seq.dedupIdCount()).isLessThanOrEqualTo(seq.limits().maxDedupIds());
  }

  @Test
  void idsOfBehavioursOlderThanWhatTheCapDroppedAreForgottenTheirDuplicatesAreTooLate() {
    BehaviorSequence seq = BehaviorSequence.create(limits(10, Long.MAX_VALUE / 8, 1L << 50));
    for (int i = 0; i < 100; i++) {
      seq.append(EventIds.hash64("e" + i), i, 1, T0 + i, BehaviorType.PV);
    }
    assertThat(seq.dedupIdCount()).isEqualTo(11); // the 10 kept and the last one dropped
    assertThat(seq.append(EventIds.hash64("e5"), 5, 1, T0 + 5, BehaviorType.PV))
        .isEqualTo(AppendResult.TOO_LATE);
    assertThat(seq.append(EventIds.hash64("e89"), 89, 1, T0 + 89, BehaviorType.PV))
        .isEqualTo(AppendResult.DUPLICATE);
  }

  @Test
  void readsVersion1SequencesWithTheirIdsRememberedFromTheNewestBehaviour() {
    // Written by the version-1 codec (commit 79281a4): L_max 200, 60 s, a 64-id window; ids
    // "e0".."e4" at T0 + i s with T0 = 2024-03-01T12:00:00Z, items 100..104.
    byte[] v1 =
        java.util.HexFormat.of()
            .parseHex(
                "da5101c801e0d40340400005058308c86e5203d16fe0646ea9421d77e83cd04d900a2e307b4516342e"
                    + "af4721651402d4558072e374190580c8959ebf63e807010ec8010900020900020900020900"
                    + "02");
    long t0 = 1_709_294_400_000L;
    BehaviorSequence back = SequenceCodec.deserialize(v1);

    assertThat(back.newest(10).items()).containsExactly(104, 103, 102, 101, 100);
    assertThat(back.limits().maxLength()).isEqualTo(200);
    assertThat(back.limits().dedupHorizonMs()).isEqualTo(SequenceLimits.DEFAULT_DEDUP_HORIZON_MS);
    assertThat(back.append(EventIds.hash64("e2"), 102, 7, t0 + 2_000, BehaviorType.CLICK))
        .isEqualTo(AppendResult.DUPLICATE);
    byte[] v2 = back.toBytes();
    assertThat(v2[2]).isEqualTo((byte) SequenceCodec.VERSION);
    assertThat(SequenceCodec.deserialize(v2).remembers(EventIds.hash64("e0"))).isTrue();
  }

  @Test
  void randomStreamMatchesReferenceAndRoundTripsAfterEveryAppend() {
    Random rnd = new Random(42);
    long horizon = 3_000; // shorter than the ordering bound: forgotten ids may count again
    SequenceLimits lim = limits(150, 5_000, horizon);
    BehaviorSequence seq = BehaviorSequence.create(lim);
    List<long[]> reference = new ArrayList<>(); // {item, cat, time, type, arrival}
    List<Long> appendedIds = new ArrayList<>();
    java.util.Map<Long, Long> remembered = new java.util.HashMap<>(); // id -> its event time
    long clock = T0;
    for (int step = 0; step < 3000; step++) {
      clock += rnd.nextInt(3000);
      long time = clock - (rnd.nextInt(10) == 0 ? rnd.nextInt(8000) : 0);
      long id =
          rnd.nextInt(20) == 0 && !appendedIds.isEmpty()
              ? appendedIds.get(rnd.nextInt(appendedIds.size()))
              : EventIds.hash64("e" + step);
      long item = rnd.nextInt(5) == 0 ? rnd.nextLong() >>> 1 : rnd.nextInt(5000);
      long cat = rnd.nextInt(30);
      int type = rnd.nextInt(7);

      AppendResult expected;
      long newest = reference.isEmpty() ? Long.MIN_VALUE : reference.get(reference.size() - 1)[2];
      if (remembered.containsKey(id)) {
        expected = AppendResult.DUPLICATE;
      } else if (!reference.isEmpty() && time < newest - 5_000) {
        expected = AppendResult.TOO_LATE;
      } else if (reference.size() >= 150 && time < reference.get(0)[2]) {
        expected = AppendResult.TOO_LATE;
      } else {
        expected = AppendResult.APPENDED;
        appendedIds.add(id);
        remembered.put(id, time);
        reference.add(new long[] {item, cat, time, type, step});
        reference.sort(Comparator.<long[]>comparingLong(r -> r[2]).thenComparingLong(r -> r[4]));
        long droppedUpTo = Long.MIN_VALUE;
        while (reference.size() > 150) {
          droppedUpTo = reference.remove(0)[2];
        }
        long bound = Math.max(droppedUpTo, reference.get(reference.size() - 1)[2] - horizon);
        remembered.values().removeIf(t -> t < bound);
      }
      assertThat(seq.append(id, item, cat, time, (byte) type))
          .as("step %d", step)
          .isEqualTo(expected);
      if (step % 7 == 0) {
        seq = roundTripChecked(seq);
      }
      assertThat(seq.dedupIdCount()).as("step %d", step).isEqualTo(remembered.size());
      SequenceView all = seq.newest(Integer.MAX_VALUE);
      assertThat(all.length()).isEqualTo(reference.size());
      for (int k = 0; k < all.length(); k++) {
        long[] r = reference.get(reference.size() - 1 - k);
        assertThat(
                new long[] {all.items()[k], all.categories()[k], all.timesMs()[k], all.types()[k]})
            .as("step %d index %d", step, k)
            .containsExactly(r[0], r[1], r[2], r[3]);
      }
    }
  }

  /** Round trip, and the cached-block bytes equal a from-scratch encoding. */
  private static BehaviorSequence roundTripChecked(BehaviorSequence seq) {
    byte[] cachedPath = seq.toBytes();
    seq.blockCache.clear();
    byte[] fresh = seq.toBytes();
    assertThat(cachedPath).isEqualTo(fresh);
    BehaviorSequence back = SequenceCodec.deserialize(fresh);
    assertThat(back.toBytes()).isEqualTo(fresh);
    assertThat(back.limits()).isEqualTo(seq.limits());
    return back;
  }

  @Test
  void compactOnSecondGranularityData() {
    BehaviorSequence seq = BehaviorSequence.create(limits(2000, 0, 0));
    Random rnd = new Random(1);
    long t = T0;
    for (int i = 0; i < 2000; i++) {
      t += 1000L * (1 + rnd.nextInt(100));
      seq.append(0, rnd.nextInt(10_000), rnd.nextInt(20), t, BehaviorType.CLICK);
    }
    double perBehaviour = seq.toBytes().length / 2000.0;
    assertThat(perBehaviour).isLessThan(6.0);
  }

  @Test
  void setLimitsTrimsToNewCap() {
    BehaviorSequence seq = BehaviorSequence.create(limits(100, 0, 8));
    for (int i = 0; i < 100; i++) {
      seq.append(i + 1, i, 0, T0 + i, BehaviorType.PV);
    }
    seq.setLimits(limits(10, 0, 2));
    assertThat(seq.size()).isEqualTo(10);
    // ids within 2 ms of the newest (T0 + 99): those at T0 + 97..99, i.e. hashes 98..100
    assertThat(seq.dedupIdCount()).isEqualTo(3);
    assertThat(seq.remembers(100)).isTrue();
    assertThat(seq.remembers(97)).isFalse();
    assertThat(SequenceCodec.deserialize(seq.toBytes()).newest(10).items())
        .containsExactly(99, 98, 97, 96, 95, 94, 93, 92, 91, 90);
  }

  @Test
  void refusesWrongMagicVersionAndTruncation() {
    byte[] bytes = twoHundredBehaviours();
    byte[] badMagic = bytes.clone();
    badMagic[0] = 0;
    assertThatThrownBy(() -> SequenceCodec.deserialize(badMagic))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("magic");
    byte[] badVersion = bytes.clone();
    badVersion[2] = 9;
    assertThatThrownBy(() -> SequenceCodec.deserialize(badVersion))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("version 9");
    for (int len = 0; len < bytes.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(bytes, len);
      assertThatThrownBy(() -> SequenceCodec.deserialize(cut))
          .isInstanceOf(CorruptDataException.class);
    }
    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> SequenceCodec.deserialize(longer))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("trailing");
  }

  @Test
  void flippedBytesEitherFailCleanlyOrDecodeToAConsistentSequence() {
    byte[] bytes = twoHundredBehaviours();
    Set<String> outcomes = new HashSet<>();
    for (int i = 0; i < bytes.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] flipped = bytes.clone();
        flipped[i] ^= (byte) (1 << bit);
        try {
          BehaviorSequence back = SequenceCodec.deserialize(flipped);
          // no checksum here (RocksDB checksums its blocks); what decodes must be well-formed
          SequenceView v = back.newest(Integer.MAX_VALUE);
          for (int k = 1; k < v.length(); k++) {
            assertThat(v.timesMs()[k]).isLessThanOrEqualTo(v.timesMs()[k - 1]);
          }
          outcomes.add("decoded");
        } catch (CorruptDataException e) {
          outcomes.add("refused");
        }
      }
    }
    assertThat(outcomes).contains("refused");
  }

  @Test
  void limitsBuilderValidates() {
    assertThatThrownBy(() -> SequenceLimits.builder().optMaxLength(0).build())
        .hasMessageContaining("maxLength");
    assertThatThrownBy(() -> SequenceLimits.builder().optDedupHorizonMs(-1).build())
        .hasMessageContaining("dedupHorizonMs");
    assertThatThrownBy(
            () ->
                BehaviorSequence.create(SequenceLimits.defaults())
                    .append(0, 1, 1, -5, BehaviorType.PV))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The encoding of a sequence of 200 behaviours (ids, items, categories and times all vary). */
  private static byte[] twoHundredBehaviours() {
    BehaviorSequence seq = BehaviorSequence.create(limits(300, 0, 4));
    for (int i = 0; i < 200; i++) {
      seq.append(i + 1, i * 7, i % 5, T0 + i * 1000L, BehaviorType.PV);
    }
    return seq.toBytes();
  }
}
