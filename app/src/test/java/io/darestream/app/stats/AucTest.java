package io.darestream.app.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The run's AUC accumulators: over time (bounded buckets) and over the newest samples. */
class AucTest {
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
