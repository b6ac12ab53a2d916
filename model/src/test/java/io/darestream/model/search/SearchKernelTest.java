package io.darestream.model.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SearchKernelTest {
  @Test
  void topKMatchesBruteForce() {
    SplittableRandom r = new SplittableRandom(1);
    int width = 7;
    HistoryKeys keys = new HistoryKeys(width, 500);
    SearchKernel kernel = new SearchKernel(500);
    TopK top = new TopK(20);
    for (int round = 0; round < 50; round++) {
      int n = r.nextInt(500);
      keys.reset(n);
      float[][] k = new float[n][width];
      float[] q = new float[width];
      float[] bias = new float[n];
      for (int j = 0; j < width; j++) {
        q[j] = (float) r.nextGaussian();
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < width; j++) {
          k[i][j] = r.nextInt(3) - 1; // many ties
        }
        keys.set(i, 0, k[i], 0, width);
        bias[i] = r.nextInt(2);
      }
      kernel.search(q, keys, bias, 0.5f, top);
      float[] s = new float[n];
      for (int i = 0; i < n; i++) {
        float acc = bias[i];
        for (int j = 0; j < width; j++) {
          acc += q[j] * k[i][j];
        }
        s[i] = acc * 0.5f;
      }
      int[] expected =
          IntStream.range(0, n)
              .boxed()
              .sorted(Comparator.comparingDouble((Integer i) -> -s[i]).thenComparing(i -> i))
              .limit(20)
              .mapToInt(Integer::intValue)
              .toArray();
      int[] actual = IntStream.range(0, top.size()).map(top::index).toArray();
      assertThat(actual).as("round %d n=%d", round, n).containsExactly(expected);
      for (int i = 0; i < top.size(); i++) {
        assertThat(top.score(i))
            .isCloseTo(s[top.index(i)], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void rowAndColumnLayoutsScoreBitForBitAlike() {
    SplittableRandom r = new SplittableRandom(5);
    // The row kernel scores four behaviours per pass: lengths with every remainder, and < 4.
    for (int width : new int[] {1, 3, 4, 7, 16, 32, 33}) {
      int n = new int[] {300, 301, 302, 303, 2}[width % 5];
      HistoryKeys keys = new HistoryKeys(width, n);
      float[] q = new float[width];
      float[] bias = new float[n];
      for (int j = 0; j < width; j++) {
        q[j] = (float) r.nextGaussian();
      }
      float[] rows = keys.rows();
      for (int i = 0; i < n * width; i++) {
        rows[i] = (float) r.nextGaussian() * 0.01f;
      }
      for (int i = 0; i < n; i++) {
        bias[i] = (float) r.nextGaussian();
      }
      for (float[] b : new float[][] {bias, null}) {
        TopK byRows = new TopK(n);
        TopK byColumns = new TopK(n);
        keys.publish(n);
        assertThat(keys.transposed()).isFalse();
        new SearchKernel(n).scoreEvery(q, keys, b, 0.25f, byRows);
        keys.transpose();
        assertThat(keys.transposed()).isTrue();
        new SearchKernel(n).scoreEvery(q, keys, b, 0.25f, byColumns);
        for (int i = 0; i < n; i++) {
          assertThat(Float.floatToRawIntBits(byRows.score(i)))
              .as("width %d behaviour %d", width, i)
              .isEqualTo(Float.floatToRawIntBits(byColumns.score(i)));
        }
      }
    }
  }

  @Test
  void fewerBehavioursThanKSelectsAll() {
    HistoryKeys keys = new HistoryKeys(1, 10);
    keys.reset(3);
    for (int i = 0; i < 3; i++) {
      keys.set(i, 0, new float[] {i}, 0, 1);
    }
    TopK top = new TopK(5);
    new SearchKernel(10).search(new float[] {1}, keys, null, 1f, top);
    assertThat(top.size()).isEqualTo(3);
    assertThat(new int[] {top.index(0), top.index(1), top.index(2)}).containsExactly(2, 1, 0);
    assertThat(Arrays.copyOf(new float[] {top.score(0)}, 1)).containsExactly(2f);
  }
}
