package io.darestream.model.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The prequential metrics: exact AUC, binned AUC, GAUC, windows. */
class MetricsTest {
  @Test
  void aucOfTheTextbookExample() {
    float[] s = {0.1f, 0.4f, 0.35f, 0.8f};
    int[] y = {0, 0, 1, 1};
    // Pairs (pos, neg): (0.35 > 0.1), (0.35 < 0.4), (0.8 > 0.1), (0.8 > 0.4) -> 3/4.
    assertThat(Auc.compute(s, y, 4)).isEqualTo(0.75);
  }

  @Test
  void tiesCountOneHalfAndOneClassIsNaN() {
    assertThat(Auc.compute(new float[] {0.5f, 0.5f, 0.9f}, new int[] {0, 1, 1}, 3)).isEqualTo(0.75);
    assertThat(Auc.compute(new float[] {0.5f, 0.6f}, new int[] {1, 1}, 2)).isNaN();
  }

  @Test
  void gaucWeightsUsersBySampleCountAndSkipsOneClassUsers() {
    long[] users = {1, 1, 1, 1, 2, 2, 3};
    float[] s = {0.1f, 0.4f, 0.35f, 0.8f, 0.2f, 0.9f, 0.5f};
    int[] y = {0, 0, 1, 1, 1, 0, 1};
    // user 1: 0.75 x 4; user 2: 0 x 2; user 3 has one label only.
    assertThat(Gauc.compute(users, s, y, 7)).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void windowKeepsTheLastSamplesOnly() {
    StreamingMetrics m = new StreamingMetrics(4);
    m.add(9, 0.99f, 0); // evicted below
    m.add(1, 0.1f, 0);
    m.add(1, 0.4f, 0);
    m.add(1, 0.35f, 1);
    m.add(1, 0.8f, 1);
    MetricsSnapshot snap = m.snapshot();
    assertThat(m.total()).isEqualTo(5);
    assertThat(snap.count()).isEqualTo(4);
    assertThat(snap.auc()).isEqualTo(0.75);
    assertThat(snap.gauc()).isEqualTo(0.75);
    double expectedLoss =
        -(Math.log(1 - 0.1) + Math.log(1 - 0.4) + Math.log(0.35) + Math.log(0.8)) / 4;
    assertThat(snap.logloss()).isCloseTo(expectedLoss, within(1e-6));
    assertThat(snap.meanPrediction()).isCloseTo(0.4125, within(1e-6));
    assertThat(snap.observedRate()).isEqualTo(0.5);
    assertThat(snap.calibration()).isCloseTo(0.825, within(1e-6));
  }

  @Test
  void binnedAucMatchesTheExactAuc() {
    Random r = new Random(3);
    int n = 5_000;
    float[] p = new float[n];
    int[] l = new int[n];
    BinnedAuc binned = new BinnedAuc();
    for (int i = 0; i < n; i++) {
      l[i] = r.nextDouble() < 0.3 ? 1 : 0;
      p[i] = (float) Math.min(1, Math.max(0, 0.4 + 0.2 * l[i] + 0.2 * r.nextGaussian()));
      binned.add(p[i], l[i]);
    }
    assertThat(binned.count()).isEqualTo(n);
    assertThat(binned.auc()).isCloseTo(Auc.compute(p, l, n), within(0.002));
  }

  @Test
  void mergedBinnedAucsEqualOneOverAllSamples() {
    BinnedAuc a = new BinnedAuc();
    BinnedAuc b = new BinnedAuc();
    BinnedAuc all = new BinnedAuc();
    for (int i = 0; i < 100; i++) {
      float score = i / 100f;
      int label = i % 3 == 0 ? 1 : 0;
      (i < 50 ? a : b).add(score, label);
      all.add(score, label);
    }
    a.addAll(b);
    assertThat(a.auc()).isEqualTo(all.auc());
    assertThat(new BinnedAuc().auc()).isNaN();
  }
}
