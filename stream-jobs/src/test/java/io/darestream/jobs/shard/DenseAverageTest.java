package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Round-by-round averaging of the trainers' dense copies, its bounds, and N = 1. */
class DenseAverageTest {
  @Test
  void averagesARoundOnceEveryTrainerSentIt() {
    DenseAverage avg = new DenseAverage(2, 4);
    assertThat(avg.add(new DenseCopy(0, 1, new float[] {1f, 2f}))).isNull();
    assertThat(avg.add(new DenseCopy(0, 1, new float[] {9f, 9f}))).as("a repeat").isNull();
    assertThat(avg.add(new DenseCopy(0, 2, new float[] {5f, 5f}))).isNull();
    DenseAverage.Result r = avg.add(new DenseCopy(1, 1, new float[] {3f, 6f}));
    assertThat(r.round()).isEqualTo(1);
    assertThat(r.values()).containsExactly(2f, 4f);
    assertThat(avg.openRounds()).isEqualTo(1); // round 2 waits for trainer 1
    assertThat(avg.add(new DenseCopy(1, 1, new float[] {0f, 0f}))).as("late copy").isNull();
    assertThat(avg.add(new DenseCopy(1, 2, new float[] {1f, 1f})).values()).containsExactly(3f, 3f);
    assertThat(avg.averageOfLatest()).containsExactly(3f, 3f);
  }

  @Test
  void refusesACopyWithANanOrAnInfinityBeforeItIsAveragedIn() {
    DenseAverage avg = new DenseAverage(2, 4);
    assertThat(avg.add(new DenseCopy(0, 1, new float[] {1f, 2f}))).isNull();
    assertThatThrownBy(() -> avg.add(new DenseCopy(1, 1, new float[] {1f, Float.NaN})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("diverged");
    assertThatThrownBy(
            () -> avg.add(new DenseCopy(1, 1, new float[] {Float.NEGATIVE_INFINITY, 0f})))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(avg.averageOfLatest()).as("neither forged copy was kept").containsExactly(1f, 2f);
    assertThat(avg.add(new DenseCopy(1, 1, new float[] {3f, 4f})).values()).containsExactly(2f, 3f);
  }

  @Test
  void oneTrainersAverageIsItsCopyBitForBit() {
    DenseAverage avg = new DenseAverage(1, 4);
    float[] copy = {0.1f, -0f, Float.MIN_VALUE, 1e30f};
    assertThat(avg.add(new DenseCopy(0, 7, copy)).values()).containsExactly(copy);
  }

  @Test
  void keepsAtMostTheOpenRoundsItWasGivenAndRefusesStrangers() {
    DenseAverage avg = new DenseAverage(2, 3);
    for (long round = 1; round <= 10; round++) {
      avg.add(new DenseCopy(0, round, new float[] {1f}));
    }
    assertThat(avg.openRounds()).isEqualTo(3);
    assertThatThrownBy(() -> avg.add(new DenseCopy(2, 1, new float[] {1f})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trainer 2");
    assertThatThrownBy(() -> avg.add(new DenseCopy(1, 10, new float[] {1f, 2f})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 floats");
  }
}
