package io.darestream.app.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The report's AUC accumulators against the exact Mann-Whitney AUC. */
class AucTest {
  @Test
  void exactAucOfKnownRankings() {
    float[] p = {0.1f, 0.4f, 0.35f, 0.8f};
    byte[] l = {0, 0, 1, 1};
    assertThat(VariantStats.exactAuc(p, l)).isEqualTo(0.75);
    assertThat(VariantStats.exactAuc(new float[] {0.5f, 0.5f}, new byte[] {0, 1})).isEqualTo(0.5);
    assertThat(VariantStats.exactAuc(new float[] {0.2f}, new byte[] {1})).isNaN();
  }

  @Test
  void binnedAucMatchesExactAuc() {
    Random r = new Random(3);
    int n = 5_000;
    float[] p = new float[n];
    byte[] l = new byte[n];
    BinnedAuc binned = new BinnedAuc();
    for (int i = 0; i < n; i++) {
      l[i] = (byte) (r.nextDouble() < 0.3 ? 1 : 0);
      p[i] = (float) Math.min(1, Math.max(0, 0.4 + 0.2 * l[i] + 0.2 * r.nextGaussian()));
      binned.add(p[i], l[i]);
    }
    assertThat(binned.auc()).isCloseTo(VariantStats.exactAuc(p, l), within(0.002));
  }

  @Test
  void aucOverTimeStaysBoundedOverLongSpans() {
    AucOverTime t = new AucOverTime();
    long twentyYears = 20L * 365 * 24 * 3600 * 1000;
    Random r = new Random(5);
    for (int i = 0; i < 20_000; i++) {
      int label = r.nextInt(2);
      t.add((long) (r.nextDouble() * twentyYears), label == 1 ? 0.7f : 0.3f, label);
    }
    assertThat(t.points(1)).hasSizeLessThanOrEqualTo(AucOverTime.MAX_BUCKETS);
    assertThat(t.points(1)).allSatisfy(p -> assertThat(p.auc()).isEqualTo(1.0));
    assertThat(t.points(1).stream().mapToLong(AucOverTime.Point::samples).sum()).isEqualTo(20_000);
  }

  @Test
  void windowAucUsesTheNewestSamplesOnly() {
    VariantStats v = new VariantStats("dare");
    for (int i = 0; i < VariantStats.WINDOW; i++) {
      v.add(i, i % 2 == 0 ? 0.9f : 0.1f, i % 2 == 0 ? 0 : 1, 1); // perfectly wrong
    }
    for (int i = 0; i < VariantStats.WINDOW; i++) {
      v.add(i, i % 2 == 0 ? 0.9f : 0.1f, i % 2 == 0 ? 1 : 0, 2); // perfectly right
    }
    assertThat(v.windowAuc()).isEqualTo(1.0);
    assertThat(v.overallAuc()).isCloseTo(0.5, within(0.01));
    assertThat(v.modelVersion()).isEqualTo(2);
    assertThat(v.scored()).isEqualTo(2L * VariantStats.WINDOW);
  }
}
