package io.darestream.model.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
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
  })
  void selectsTheBestKScoresNewestFirstOnTiesAsAFullSortWould(int k, int n, String shape) {
    SplittableRandom r = new SplittableRandom(k * 1_000L + n);
    TopK top = new TopK(k);
    for (int round = 0; round < 20; round++) {
      float[] s = scores(shape, n, r);
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
        assertThat(top.score(j)).isEqualTo(s[top.index(j)]);
      }
    }
  }

  private static float[] scores(String shape, int n, SplittableRandom r) {
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      switch (shape) {
        case "random" -> s[i] = (float) r.nextGaussian();
        case "ascending" -> s[i] = i * 0.01f + (float) r.nextGaussian() * 0.02f;
        case "descending" -> s[i] = -i * 0.01f;
        default -> s[i] = r.nextInt(4) * 0.5f; // many ties, also at the K-th place
      }
    }
    return s;
  }
}
