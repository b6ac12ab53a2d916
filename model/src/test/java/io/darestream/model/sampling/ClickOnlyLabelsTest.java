package io.darestream.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClickOnlyLabelsTest {

  @Test
  void aClickOnANeverSeenItemMakesNoSampleButWarmsTheItem() {
    ClickOnlyLabels labels = new ClickOnlyLabels(new NegativeSampler(100, 1), 1, 1, false);

    assertThat(labels.label(Samples.sample(1, 10, 1))).isEmpty();
    assertThat(labels.label(Samples.sample(2, 11, 1))).isEmpty();
    List<TrainingSample> second = labels.label(Samples.sample(3, 10, 1, 11));

    assertThat(second).hasSize(2);
    assertThat(second.get(0)).isEqualTo(Samples.sample(3, 10, 1, 11));
    // The only other item in the window is 11, which is in the user's history: still a negative.
    assertThat(second.get(1).targetItem()).isEqualTo(11);
    assertThat(second.get(1).label()).isZero();
    assertThat(second.get(1).historyItems()).containsExactly(11);
    assertThat(labels.coldClicks()).isEqualTo(2);
    assertThat(labels.warmClicks()).isEqualTo(1);
  }

  @Test
  void negativesMeetTheSameWarmMinimumAsPositives() {
    NegativeSampler sampler = new NegativeSampler(1000, 1);
    ClickOnlyLabels labels = new ClickOnlyLabels(sampler, 3, 2, false);
    for (long item = 1; item <= 20; item++) {
      labels.label(Samples.sample(item, item, 1)); // items 1..20 once
    }
    for (long item = 1; item <= 10; item++) {
      labels.label(Samples.sample(item, item, 1)); // items 1..10 twice: warm for the next click
    }
    assertThat(labels.warmClicks()).isZero();

    for (int u = 100; u < 200; u++) {
      List<TrainingSample> out = labels.label(Samples.sample(u, 1 + u % 5, 1));
      assertThat(out).isNotEmpty();
      assertThat(out.subList(1, out.size()))
          .allSatisfy(
              n -> assertThat(sampler.occurrences(n.targetItem())).isGreaterThanOrEqualTo(2))
          .allSatisfy(n -> assertThat(n.targetItem()).isNotEqualTo(out.get(0).targetItem()));
    }
  }

  @Test
  void negativesMatchTheClickedItemsNovelty() {
    NegativeSampler sampler = new NegativeSampler(1000, 1);
    ClickOnlyLabels labels = new ClickOnlyLabels(sampler, 2, 1, false);
    for (long item = 1; item <= 20; item++) {
      labels.label(Samples.sample(item, item, 1)); // all cold: nothing shown as a click yet
    }
    for (long item = 1; item <= 5; item++) {
      assertThat(labels.label(Samples.sample(100 + item, item, 1))).hasSize(3);
    }
    // Items 1..5 have now been positive samples, 6..20 only negatives at most.
    for (int u = 200; u < 300; u++) {
      long clicked = 1 + u % 10;
      boolean shown = sampler.sampledOccurrences(clicked) > 0;
      List<TrainingSample> out = labels.label(Samples.sample(u, clicked, 1));
      assertThat(out).hasSize(3);
      assertThat(out.subList(1, out.size()))
          .as("negatives of a click on item %d (shown before: %s)", clicked, shown)
          .allSatisfy(
              n -> assertThat(sampler.sampledOccurrences(n.targetItem()) > 0).isEqualTo(shown));
    }
  }

  @Test
  void aWarmClickWithoutNegativesOfItsNoveltyMakesNoSample() {
    NegativeSampler sampler = new NegativeSampler(1000, 1);
    ClickOnlyLabels labels = new ClickOnlyLabels(sampler, 1, 1, false);
    labels.label(Samples.sample(1, 10, 1));
    labels.label(Samples.sample(2, 11, 1));
    assertThat(labels.label(Samples.sample(3, 10, 1))).hasSize(2); // 10 shown, 11 its negative

    // 10 is the only item ever shown as a click: a click on it has no shown negative to pair with.
    assertThat(labels.label(Samples.sample(4, 10, 1))).isEmpty();
    assertThat(labels.unmatchedClicks()).isEqualTo(1);
    assertThat(labels.coldClicks()).isEqualTo(3);
    assertThat(labels.warmClicks()).isEqualTo(1);
    // It still counts as a click in the window.
    assertThat(sampler.occurrences(10)).isEqualTo(3);
  }

  @Test
  void historyIsExcludedFromNegativesOnlyWhenAskedTo() {
    ClickOnlyLabels excluding = new ClickOnlyLabels(window(1, 2, 3, 4), 1, 1, true);
    ClickOnlyLabels keeping = new ClickOnlyLabels(window(1, 2, 3, 4), 1, 1, false);
    Set<Long> keptNegatives = new HashSet<>();
    for (int u = 0; u < 50; u++) {
      // Item 1 clicked with 2 and 3 in the history; the window holds 1..4.
      TrainingSample click = Samples.sample(u, 1, 1, 2, 3);
      assertThat(excluding.label(click))
          .extracting(TrainingSample::targetItem)
          .containsExactly(1L, 4L);
      List<TrainingSample> kept = keeping.label(click);
      assertThat(kept.get(0)).isEqualTo(click);
      kept.subList(1, kept.size()).forEach(n -> keptNegatives.add(n.targetItem()));
    }
    assertThat(keptNegatives).containsExactlyInAnyOrder(2L, 3L, 4L);
  }

  /** A window of items that have all been positive samples. */
  private static NegativeSampler window(long... items) {
    NegativeSampler s = new NegativeSampler(1000, 1);
    for (int i = 0; i < 100; i++) {
      for (long item : items) {
        s.observe(item, 0, true);
      }
    }
    return s;
  }

  @Test
  void withoutAWarmMinimumEveryClickIsLabelled() {
    ClickOnlyLabels labels = new ClickOnlyLabels(new NegativeSampler(100, 1), 1, 0, false);
    assertThat(labels.label(Samples.sample(1, 10, 1))).hasSize(1); // nothing to draw yet
    assertThat(labels.label(Samples.sample(2, 11, 1))).hasSize(2);
    assertThat(labels.coldClicks()).isZero();
  }

  @Test
  void refusesNegativeSettings() {
    NegativeSampler s = new NegativeSampler(10, 1);
    assertThatThrownBy(() -> new ClickOnlyLabels(s, -1, 1, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negativesPerClick");
    assertThatThrownBy(() -> new ClickOnlyLabels(s, 1, -1, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("warmMinCount");
  }
}
