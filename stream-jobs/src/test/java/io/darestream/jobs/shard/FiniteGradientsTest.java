package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The owners' guard: forged non-finite gradient rows are left out, finite ones kept as sent. */
class FiniteGradientsTest {
  private static GradientBatch batch(long[] ids, float[] sums) {
    int[] contributions = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      contributions[i] = i + 1;
    }
    return new GradientBatch(7, 2, ids, contributions, sums, 100L, 10L, 20L);
  }

  @Test
  void aFiniteBatchPassesAsItIs() {
    GradientBatch b = batch(new long[] {1, 2}, new float[] {1f, -2f, Float.MAX_VALUE, 0f});
    assertThat(FiniteGradients.finiteRows(b)).isSameAs(b);
  }

  @Test
  void rowsWithANanOrAnInfinityAreLeftOut() {
    GradientBatch b =
        batch(
            new long[] {1, 2, 3, 4},
            new float[] {1f, 2f, Float.NaN, 0f, 3f, 4f, 0f, Float.NEGATIVE_INFINITY});
    GradientBatch f = FiniteGradients.finiteRows(b);
    assertThat(f.ids()).containsExactly(1, 3);
    assertThat(f.contributions()).containsExactly(1, 3);
    assertThat(f.sums()).containsExactly(1f, 2f, 3f, 4f);
    assertThat(f.dim()).isEqualTo(2);
    assertThat(f.keyGroup()).isEqualTo(7);
    assertThat(f.table()).isEqualTo(2);
    assertThat(f.newestEventTimeMs()).isEqualTo(100L);
  }

  @Test
  void aBatchWithNoFiniteRowIsRefusedWhole() {
    GradientBatch b = batch(new long[] {1}, new float[] {Float.POSITIVE_INFINITY, 1f});
    assertThat(FiniteGradients.finiteRows(b)).isNull();
  }
}
