package io.darestream.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.collections.LongHashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NegativeSamplerTest {
  private static NegativeSampler filled(long seed) {
    NegativeSampler s = new NegativeSampler(10_000, seed);
    for (int i = 0; i < 10_000; i++) {
      // item 1 occurs 5 times as often as item 2; items 3..7 are rarer.
      long item = i % 10 < 5 ? 1 : i % 10 == 5 ? 2 : 3 + (i % 5);
      s.observe(item, item * 10);
    }
    return s;
  }

  @Test
  void sameSeedSameNegatives() {
    TrainingSample pos = Samples.sample(4, 9, 1, 5, 6);
    assertThat(filled(1).sample(pos, 3)).isEqualTo(filled(1).sample(pos, 3));
    assertThat(filled(1).negatives(pos, 2))
        .allSatisfy(n -> assertThat(n.label()).isZero())
        .allSatisfy(n -> assertThat(n.historyItems()).containsExactly(5, 6));
  }

  @Test
  void aRestoredSamplerDrawsWhatTheOriginalDraws() {
    for (int occurrences : new int[] {0, 7, 25, 1_000}) {
      NegativeSampler original = new NegativeSampler(20, 3);
      for (int i = 0; i < occurrences; i++) {
        original.observe(100 + (i * 7) % 31, i % 5);
      }
      NegativeSampler restored = new NegativeSampler(20, 3);
      restored.restore(original.snapshot());
      for (int u = 0; u < 50; u++) {
        TrainingSample pos = Samples.sample(u, 9, 1, 100, 107);
        assertThat(restored.sample(pos, 3)).isEqualTo(original.sample(pos, 3));
      }
      // And they go on alike: the ring position came along.
      original.observe(555, 1);
      restored.observe(555, 1);
      assertThat(restored.snapshot()).containsExactly(original.snapshot());
    }
  }

  @Test
  void aForeignCutOrOtherWindowSnapshotIsRefusedAndChangesNothing() {
    NegativeSampler source = new NegativeSampler(20, 3);
    for (int i = 0; i < 30; i++) {
      source.observe(i, i);
    }
    long[] good = source.snapshot();
    NegativeSampler target = new NegativeSampler(20, 3);
    target.observe(42, 4);
    long[] before = target.snapshot();

    long[] foreign = good.clone();
    foreign[0] ^= 1;
    long[] cut = java.util.Arrays.copyOf(good, good.length - 1);
    long[] negative = good.clone();
    negative[2] = -1;
    for (long[] bad : new long[][] {foreign, cut, negative, new long[1], null}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> target.restore(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new NegativeSampler(30, 3).restore(good))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window of 20");
    assertThat(target.snapshot()).containsExactly(before);
  }

  @Test
  void excludesHistoryAndTargetAndIsFrequencyProportional() {
    NegativeSampler s = filled(2);
    Map<Long, Integer> counts = new HashMap<>();
    for (int u = 0; u < 4000; u++) {
      TrainingSample pos = Samples.sample(u, 7, 1, 4, 5);
      List<SampledItem> got = s.sample(pos, 1);
      assertThat(got).hasSize(1);
      SampledItem it = got.get(0);
      assertThat(it.item()).isNotIn(4L, 5L, 7L);
      assertThat(it.category()).isEqualTo(it.item() * 10);
      counts.merge(it.item(), 1, Integer::sum);
    }
    // Remaining mass: item 1 = 5, item 2 = 1, item 3 = 2/5, item 6 = 2/5 (of 10 parts).
    double ratio = counts.get(1L) / (double) counts.get(2L);
    assertThat(ratio).isBetween(4.0, 6.2);
  }

  @Test
  void returnsFewerWhenTheWindowHasNothingElse() {
    NegativeSampler s = new NegativeSampler(10, 1);
    s.observe(5, 0);
    assertThat(s.sample(Samples.sample(1, 2, 1, 5), 2)).isEmpty();
    assertThat(new NegativeSampler(10, 1).sample(Samples.sample(1, 2, 1), 2)).isEmpty();
  }

  @Test
  void countsEachItemsOccurrencesInTheWindowAndForgetsEvictedOnes() {
    NegativeSampler s = new NegativeSampler(4, 1);
    for (long item : new long[] {7, 8, 7, 9}) {
      s.observe(item, 0);
    }
    assertThat(s.occurrences(7)).isEqualTo(2);
    assertThat(s.occurrences(8)).isEqualTo(1);
    assertThat(s.occurrences(10)).isZero();
    s.observe(10, 0); // evicts the first 7
    s.observe(10, 0); // evicts 8
    assertThat(s.occurrences(7)).isEqualTo(1);
    assertThat(s.occurrences(8)).isZero();
    assertThat(s.occurrences(10)).isEqualTo(2);

    NegativeSampler restored = new NegativeSampler(4, 1);
    restored.restore(s.snapshot());
    for (long item = 6; item <= 11; item++) {
      assertThat(restored.occurrences(item)).as("item %d", item).isEqualTo(s.occurrences(item));
    }
  }

  @Test
  void drawsOnlyItemsWithTheMinimumOccurrences() {
    NegativeSampler s = filled(3); // items 3..7 occur 200 times each, 1 and 2 more often
    s.observe(100, 1); // once
    LongHashSet none = new LongHashSet(1);
    Map<Long, Integer> drawn = new HashMap<>();
    for (int u = 0; u < 2000; u++) {
      for (SampledItem it : s.sample(u, 9, none, 2, 2)) {
        drawn.merge(it.item(), 1, Integer::sum);
      }
    }
    assertThat(drawn).doesNotContainKey(100L).containsKeys(1L, 2L);
    assertThat(s.sample(1, 9, none, 1, 10_001)).isEmpty();
  }

  @Test
  void countsSampledOccurrencesAndKeepsThemAcrossASnapshot() {
    NegativeSampler s = new NegativeSampler(4, 1);
    s.observe(7, 0, false);
    s.observe(7, 0, true);
    s.observe(8, 0, true);
    assertThat(s.sampledOccurrences(7)).isEqualTo(1);
    assertThat(s.sampledOccurrences(8)).isEqualTo(1);
    assertThat(s.sampledOccurrences(9)).isZero();

    s.observe(9, 0, false);
    s.observe(9, 0, false); // evicts the first 7 (not sampled)
    s.observe(9, 0, false); // evicts the second 7 (sampled)
    assertThat(s.occurrences(7)).isZero();
    assertThat(s.sampledOccurrences(7)).isZero();

    NegativeSampler restored = new NegativeSampler(4, 1);
    restored.restore(s.snapshot());
    for (long item = 7; item <= 9; item++) {
      assertThat(restored.sampledOccurrences(item))
          .as("item %d", item)
          .isEqualTo(s.sampledOccurrences(item));
    }
    assertThat(restored.snapshot()).containsExactly(s.snapshot());
  }

  @Test
  void aFormatOneSnapshotReadsEveryOccurrenceButAnItemsFirstAsSampled() {
    // Format 1: magic, window, observed, items, categories (no flags); 5 observed in a window of 4.
    long[] formatOne = {0x4E53_0001L, 4, 5, 9, 7, 7, 8, 0, 0, 0, 0};
    NegativeSampler s = new NegativeSampler(4, 1);
    s.restore(formatOne);
    // Oldest first: slot 1 (7), slot 2 (7), slot 3 (8), slot 0 (9).
    assertThat(s.occurrences(7)).isEqualTo(2);
    assertThat(s.sampledOccurrences(7)).isEqualTo(1);
    assertThat(s.sampledOccurrences(8)).isZero();
    assertThat(s.sampledOccurrences(9)).isZero();
  }
}
