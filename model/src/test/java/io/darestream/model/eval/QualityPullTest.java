package io.darestream.model.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The quality pull of one query: picks by quality in the target's direction count positive. */
class QualityPullTest {
  private static final double[] HISTORY = {1.0, -1.0, 0.5, -0.5}; // mean 0

  @Test
  void goodPicksForAGoodTargetAndPoorPicksForAPoorTargetPullAlike() {
    assertThat(RetrievalQuality.pull(0.7, HISTORY, new int[] {0, 2}, 2))
        .isCloseTo(0.75, within(1e-12));
    assertThat(RetrievalQuality.pull(-0.7, HISTORY, new int[] {1, 3}, 2))
        .isCloseTo(0.75, within(1e-12));
  }

  @Test
  void picksAgainstTheTargetsQualityPullNegativeAndQualityBlindPicksNot() {
    assertThat(RetrievalQuality.pull(0.7, HISTORY, new int[] {1, 3}, 2))
        .isCloseTo(-0.75, within(1e-12));
    assertThat(RetrievalQuality.pull(0.7, HISTORY, new int[] {0, 1}, 2))
        .isCloseTo(0, within(1e-12));
    // Only the first m picks count.
    assertThat(RetrievalQuality.pull(0.7, HISTORY, new int[] {0, 1, 2}, 1))
        .isCloseTo(1.0, within(1e-12));
    assertThat(RetrievalQuality.pull(0.7, HISTORY, new int[0], 0)).isZero();
  }
}
