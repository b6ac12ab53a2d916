package io.darestream.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The mutual-information ground truth from co-occurrence counts, on cases computed by hand. */
class MutualInformationTruthTest {
  @Test
  void independentFeatureHasNoInformationAndAPerfectOneHasOneBit() {
    // Half of the positives and half of the negatives have the feature: independent.
    assertThat(MutualInformationTruth.mutualInformation(2, 2, 4, 4)).isCloseTo(0, within(1e-12));
    // Every positive and no negative has it: it is the label, 1 bit when labels are balanced.
    assertThat(MutualInformationTruth.mutualInformation(2, 0, 2, 2)).isCloseTo(1, within(1e-12));
    // 3 of 4 positives, 1 of 4 negatives: 1 - H(1/4) bits.
    double h = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)) / Math.log(2);
    assertThat(MutualInformationTruth.mutualInformation(3, 1, 4, 4))
        .isCloseTo(1 - h, within(1e-12));
  }

  @Test
  void gainsScoreEachBehaviourByItsCategoryAndPosition() {
    MutualInformationTruth truth = new MutualInformationTruth(4);
    // Target category 7: clicks had category 5 newest, non-clicks 6; category 9 second in all.
    truth.observe(7, 1, new long[] {5, 9}, 2);
    truth.observe(7, 1, new long[] {5, 9}, 2);
    truth.observe(7, 0, new long[] {6, 9}, 2);
    truth.observe(7, 0, new long[] {6, 9}, 2);
    double[] g = new double[3];
    assertThat(truth.gains(7, new long[] {5, 9, 5}, 3, g)).isTrue();
    // The pseudo count 1e-5 for the negatives that never had it costs ~5e-5 bits.
    assertThat(g[0]).isCloseTo(1, within(1e-4));
    assertThat(g[1]).isCloseTo(0, within(1e-6));
    // Category 5 never seen at position 3: pseudo counts, next to no information.
    assertThat(g[2]).isCloseTo(0, within(1e-4));
    assertThat(truth.gains(7, new long[] {6}, 1, g)).isTrue();
    assertThat(g[0]).isCloseTo(1, within(1e-4));
    assertThat(truth.targetCategories()).isEqualTo(1);
  }

  @Test
  void rareOrOneLabelTargetCategoriesHaveNoTruth() {
    MutualInformationTruth truth = new MutualInformationTruth(3);
    truth.observe(1, 1, new long[] {2}, 1);
    truth.observe(1, 0, new long[] {2}, 1);
    truth.observe(3, 1, new long[] {2}, 1);
    truth.observe(3, 1, new long[] {2}, 1);
    truth.observe(3, 1, new long[] {2}, 1);
    double[] g = {-9};
    assertThat(truth.gains(1, new long[] {2}, 1, g)).isFalse();
    assertThat(truth.gains(3, new long[] {2}, 1, g)).isFalse();
    assertThat(truth.gains(4, new long[] {2}, 1, g)).isFalse();
    assertThat(g[0]).isEqualTo(-9);
  }
}
