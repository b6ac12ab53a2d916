package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Folding the trainers' dense progress into the one dense model: sum and average, rounds completed
 * only once every trainer is past them, nothing dropped (lagging trainers, replays), the checkpoint
 * value, the end of input, and N = 1.
 */
class DenseProgressSumTest {
  private static DenseProgress p(int subtask, long round, float... values) {
    return new DenseProgress(subtask, round, values);
  }

  @Test
  void sumAddsEveryTrainersProgressOnceTheRoundIsComplete() {
    DenseProgressSum sum = new DenseProgressSum(2, 4, 1f, new float[] {10f, 20f});
    assertThat(sum.add(p(0, 1, 1f, 2f))).isNull();
    assertThat(sum.add(p(0, 2, 5f, 5f))).isNull();
    DenseProgressSum.Result r = sum.add(p(1, 1, 3f, 6f));
    assertThat(r.version()).isEqualTo(1);
    assertThat(r.values()).containsExactly(14f, 28f);
    assertThat(sum.openRounds()).as("round 2 waits for trainer 1").isEqualTo(1);
    r = sum.add(p(1, 2, 1f, 1f));
    assertThat(r.version()).isEqualTo(2);
    assertThat(r.values()).containsExactly(20f, 34f);
    assertThat(sum.openRounds()).isZero();
  }

  @Test
  void averageAddsTheMeanOfTheTrainersProgress() {
    DenseProgressSum avg = new DenseProgressSum(2, 4, 0.5f, new float[] {10f, 20f});
    assertThat(avg.add(p(0, 1, 1f, 2f))).isNull();
    assertThat(avg.add(p(1, 1, 3f, 6f)).values()).containsExactly(12f, 24f);
  }

  @Test
  void aReplayedProgressIsFoldedInWithTheNextPublishNotDropped() {
    DenseProgressSum sum = new DenseProgressSum(2, 4, 1f, new float[] {0f});
    sum.add(p(0, 1, 1f));
    assertThat(sum.add(p(1, 1, 2f)).values()).containsExactly(3f);
    assertThat(sum.add(p(1, 1, 4f))).as("round 1 is published").isNull();
    assertThat(sum.checkpointValue()).as("in the checkpoint at once").containsExactly(7f);
    sum.add(p(0, 2, 8f));
    DenseProgressSum.Result r = sum.add(p(1, 2, 16f));
    assertThat(r.version()).isEqualTo(2);
    assertThat(r.values()).containsExactly(31f);
  }

  @Test
  void roundsOfALaggingTrainerAreMergedNotDroppedAndPublishedOnceItCatchesUp() {
    DenseProgressSum sum = new DenseProgressSum(2, 3, 1f, new float[] {0f});
    for (long round = 1; round <= 10; round++) {
      assertThat(sum.add(p(0, round, 1f))).isNull();
    }
    assertThat(sum.openRounds()).isEqualTo(3);
    assertThat(sum.checkpointValue()).as("every progress received").containsExactly(10f);
    // Rounds 1..8 of trainer 0 are one sum now: G of version 1 to 7 cannot hold exactly trainer 0's
    // progress up to that round, so none is published; version 8 is, with all of it.
    for (long round = 1; round <= 7; round++) {
      assertThat(sum.add(p(1, round, 100f))).as("round %d", round).isNull();
    }
    DenseProgressSum.Result r = sum.add(p(1, 8, 100f));
    assertThat(r.version()).isEqualTo(8);
    assertThat(r.values()).containsExactly(808f);
    assertThat(sum.add(p(1, 9, 100f)).values()).containsExactly(909f);
  }

  @Test
  void theCheckpointValueHoldsEveryProgressReceivedAndFinishFoldsItAll() {
    DenseProgressSum avg = new DenseProgressSum(2, 4, 0.5f, new float[] {1f, 1f});
    avg.add(p(0, 1, 2f, 0f));
    avg.add(p(0, 2, 2f, 0f));
    avg.add(p(1, 1, 0f, 4f));
    assertThat(avg.version()).isEqualTo(1);
    assertThat(avg.checkpointValue())
        .as("G of round 1 plus half of trainer 0's round 2")
        .containsExactly(3f, 3f);
    DenseProgressSum.Result end = avg.finish();
    assertThat(end.version()).as("above every round seen").isEqualTo(3);
    assertThat(end.values()).containsExactly(3f, 3f);
    // A restore from that checkpoint value starts where the stopped one ended.
    DenseProgressSum restored = new DenseProgressSum(2, 4, 0.5f, avg.checkpointValue());
    assertThat(restored.checkpointValue()).containsExactly(3f, 3f);
    assertThat(restored.version()).isZero();
  }

  @Test
  void oneTrainersProgressIsAddedAsItComesAndZeroProgressKeepsTheBits() {
    float[] initial = {0.1f, -0f, Float.MIN_VALUE, 1e30f};
    DenseProgressSum sum = new DenseProgressSum(1, 4, 1f, initial);
    assertThat(sum.add(p(0, 1, 0f, 0f, 0f, 0f)).values()).containsExactly(initial);
    assertThat(Float.floatToRawIntBits(sum.checkpointValue()[1]))
        .isEqualTo(Float.floatToRawIntBits(-0f));
    DenseProgressSum.Result r = sum.add(p(0, 2, 0.5f, 1f, 0f, 0f));
    assertThat(r.version()).isEqualTo(2);
    assertThat(r.values()).containsExactly(0.6f, 1f, Float.MIN_VALUE, 1e30f);
  }

  @Test
  void refusesDivergedStrangeOrMisshapenProgressBeforeItIsFoldedIn() {
    DenseProgressSum sum = new DenseProgressSum(2, 4, 1f, new float[] {1f, 2f});
    assertThatThrownBy(() -> sum.add(p(1, 1, 1f, Float.NaN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("diverged");
    assertThatThrownBy(() -> sum.add(p(1, 1, Float.NEGATIVE_INFINITY, 0f)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sum.add(p(2, 1, 1f, 1f)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trainer 2");
    assertThatThrownBy(() -> sum.add(p(1, 1, 1f)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 floats");
    assertThatThrownBy(() -> sum.add(p(1, 0, 1f, 1f)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("round 0");
    assertThat(sum.checkpointValue()).as("none was kept").containsExactly(1f, 2f);
    assertThatThrownBy(() -> new DenseProgressSum(1, 4, 1f, new float[] {Float.NaN}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
