package io.darestream.model.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopKTest {
  @ParameterizedTest
  @CsvSource({
    "20, 1000, random",
    "20, 1000, ascending",
    "20, 1000, descending",
    "20, 1000, ties",
    "20, 1007, ascending",
    "20, 79, random",
    "20, 80, ties",
    "20, 20, random",
    "20, 7, ties",
    "1, 500, ties",
    "3, 10000, random",
    "20, 1000, nans",
    "20, 30, nans",
    "20, 100, ascending",
  })
  void selectsTheBestKScoresNewestFirstOnTiesAsAFullSortWould(int k, int n, String shape) {
    SplittableRandom r = new SplittableRandom(k * 1_000L + n);
    // The JVM's own filter (vectorised under --add-modules jdk.incubator.vector) and the scalar
    // one.
    for (TopK top : new TopK[] {new TopK(k), new TopK(k, ScoreScan.scalar())}) {
      for (int round = 0; round < 20; round++) {
        assertSelectsAsAFullSort(top, scores(shape, n, r), k, n);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"20, 1000", "20, 256", "5, 333", "24, 2000", "1, 100"})
  void bothScansBoundTheKthBestScore(int k, int n) {
    SplittableRandom r = new SplittableRandom(n);
    for (ScoreScan scan : new ScoreScan[] {ScoreScan.get(), ScoreScan.scalar()}) {
      for (int round = 0; round < 50; round++) {
        float[] s = scores(round % 2 == 0 ? "random" : "ascending", n, r);
        float bound = scan.lowerBound(s, n, k, new float[scan.groups(k) + k]);
        float[] sorted = s.clone();
        Arrays.sort(sorted);
        assertThat(bound).isLessThanOrEqualTo(sorted[n - k]);
        int[] out = new int[n];
        int count = scan.collect(s, n, bound, out);
        int[] expected = IntStream.range(0, n).filter(i -> s[i] >= bound).toArray();
        assertThat(Arrays.copyOf(out, count)).containsExactly(expected);
      }
    }
  }

  @Test
  void runsTheVectorScanWhereTheJvmHasTheVectorModule() {
    boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    assertThat(ScoreScan.get() instanceof VectorScan).isEqualTo(vectorModule);
  }

  /** The order a full sort gives: by score descending, NaN last, then by index. */
  private static void assertSelectsAsAFullSort(TopK top, float[] s, int k, int n) {
    top.select(s, n);
    int[] expected =
        IntStream.range(0, n)
            .boxed()
            .sorted(Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i))
            .limit(k)
            .mapToInt(Integer::intValue)
            .toArray();
    int[] actual = IntStream.range(0, top.size()).map(top::index).toArray();
    assertThat(actual).containsExactly(expected);
    for (int j = 0; j < top.size(); j++) {
      assertThat(Float.floatToIntBits(top.score(j)))
          .isEqualTo(Float.floatToIntBits(s[top.index(j)]));
    }
  }

  private static float[] scores(String shape, int n, SplittableRandom r) {
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      switch (shape) {
        case "random" -> s[i] = (float) r.nextGaussian();
        case "ascending" -> s[i] = i * 0.01f + (float) r.nextGaussian() * 0.02f;
        case "descending" -> s[i] = -i * 0.01f;
        case "nans" -> s[i] = r.nextInt(3) == 0 ? Float.NaN : (float) r.nextGaussian();
        default -> s[i] = r.nextInt(4) * 0.5f; // many ties, also at the K-th place
      }
    }
    return s;
  }
}
