package io.darestream.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** NDCG@K of a search's picks and its random baseline, on cases computed by hand. */
class RetrievalNdcgTest {
  private static final double LOG2_3 = Math.log(3) / Math.log(2);

  @Test
  void ndcgOfTwoPicksInTheWrongOrder() {
    RetrievalNdcg n = new RetrievalNdcg(2);
    // Ideal: 3, then 2. Picked: 2 (index 1), then 3 (index 0).
    double ndcg = n.add(new double[] {3, 2, 0, 1}, 4, new int[] {1, 0}, 2);
    double dcg = 2 + 3 / LOG2_3;
    double idcg = 3 + 2 / LOG2_3;
    assertThat(ndcg).isCloseTo(dcg / idcg, within(1e-12));
    assertThat(n.ndcg()).isCloseTo(0.913402, within(1e-6));
    // Random: mean gain 1.5 times the discounts of ranks 1 and 2, over the ideal.
    assertThat(n.randomNdcg()).isCloseTo(1.5 * (1 + 1 / LOG2_3) / idcg, within(1e-12));
  }

  @Test
  void randomBaselineIsTheExpectationOverEveryOrderedPick() {
    double[] gains = {0.5, 0, 2, 1, 0, 0.25};
    int k = 3;
    RetrievalNdcg exact = new RetrievalNdcg(k);
    exact.add(gains, gains.length, new int[] {0, 1, 2}, 3);
    RetrievalNdcg all = new RetrievalNdcg(k);
    int n = gains.length;
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        for (int c = 0; c < n; c++) {
          if (a != b && b != c && a != c) {
            all.add(gains, n, new int[] {a, b, c}, 3);
          }
        }
      }
    }
    assertThat(exact.randomNdcg()).isCloseTo(all.ndcg(), within(1e-12));
  }

  @Test
  void perfectPicksScoreOneAndNothingToFindIsSkipped() {
    RetrievalNdcg n = new RetrievalNdcg(2);
    assertThat(n.add(new double[] {0, 1, 0, 1}, 4, new int[] {3, 1}, 2)).isEqualTo(1.0);
    assertThat(n.add(new double[] {0, 0, -1}, 3, new int[] {0, 1}, 2)).isNaN();
    assertThat(n.queries()).isEqualTo(1);
    assertThat(n.skipped()).isEqualTo(1);
    // Fewer behaviours than K: the ideal is cut to what exists; one pick of two relevant.
    RetrievalNdcg short3 = new RetrievalNdcg(3);
    assertThat(short3.add(new double[] {1, 1}, 2, new int[] {0}, 1))
        .isCloseTo(1 / (1 + 1 / LOG2_3), within(1e-12));
  }

  @Test
  void mergedAccumulatorsEqualOneThatSawEveryQuery() {
    double[][] gains = {{3, 2, 0, 1}, {0, 0, 0, 0}, {0, 1, 0, 1}, {1, 0, 2, 0}};
    int[][] picks = {{1, 0}, {0, 1}, {3, 0}, {0, 2}};
    RetrievalNdcg all = new RetrievalNdcg(2);
    RetrievalNdcg first = new RetrievalNdcg(2);
    RetrievalNdcg second = new RetrievalNdcg(2);
    for (int q = 0; q < gains.length; q++) {
      all.add(gains[q], 4, picks[q], 2);
      (q < 2 ? first : second).add(gains[q], 4, picks[q], 2);
    }
    first.addAll(second);
    assertThat(first.ndcg()).isCloseTo(all.ndcg(), within(1e-12));
    assertThat(first.randomNdcg()).isCloseTo(all.randomNdcg(), within(1e-12));
    assertThat(first.queries()).isEqualTo(3);
    assertThat(first.skipped()).isEqualTo(1);
    assertThatThrownBy(() -> first.addAll(new RetrievalNdcg(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NDCG@3");
  }

  @Test
  void picksOutsideTheHistoryAreRefused() {
    RetrievalNdcg n = new RetrievalNdcg(2);
    assertThatThrownBy(() -> n.add(new double[] {1, 0}, 2, new int[] {2}, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pick 2");
    assertThatThrownBy(() -> new RetrievalNdcg(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
