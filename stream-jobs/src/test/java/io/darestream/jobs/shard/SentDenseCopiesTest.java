package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/**
 * The trainer's side of dense averaging, driven together with {@link DenseAverage} the way the
 * sharded stage runs them: copies go out every interval, and an average comes back rounds later
 * (the averager waits for the slowest trainer, then the round trip through {@code model-deltas}).
 */
class SentDenseCopiesTest {
  @Test
  void anAverageMovesTheTrainerByItsOwnCopysDistanceOnce() {
    SentDenseCopies sent = new SentDenseCopies(8);
    long r = sent.send(new float[] {1f, 4f});
    assertThat(sent.correction(r, new float[] {2f, 2f})).containsExactly(1f, -2f);
    assertThat(sent.correction(r, new float[] {2f, 2f})).as("merged already").isNull();
    assertThat(sent.correction(99, new float[] {2f, 2f})).as("never sent").isNull();
    assertThat(sent.pending()).isZero();
  }

  @Test
  void oneTrainersAverageCorrectsNothing() {
    SentDenseCopies sent = new SentDenseCopies(8);
    float[] copy = {0.1f, -3f, 1e30f};
    long r = sent.send(copy);
    assertThat(sent.correction(r, copy.clone())).containsExactly(0f, 0f, 0f);
  }

  @Test
  void aCorrectionIsNotAppliedAgainByTheAverageOfACopySentBeforeIt() {
    // Two trainers that disagree and do not train: both send rounds 1 and 2 before the average of
    // round 1 comes back. Merging round 1 brings both to the average; round 2's copies predate that
    // merge, so its average must not move them again (it moved them back to where they started).
    float[][] own = {{0f}, {10f}};
    SentDenseCopies[] sent = {new SentDenseCopies(8), new SentDenseCopies(8)};
    DenseAverage averager = new DenseAverage(2, 8);
    DenseAverage.Result[] results = new DenseAverage.Result[3];
    for (int round = 1; round <= 2; round++) {
      for (int t = 0; t < 2; t++) {
        long r = sent[t].send(own[t].clone());
        DenseAverage.Result res = averager.add(new DenseCopy(t, r, own[t].clone()));
        if (res != null) {
          results[round] = res;
        }
      }
    }
    for (int round = 1; round <= 2; round++) {
      for (int t = 0; t < 2; t++) {
        float[] delta = sent[t].correction(round, results[round].values());
        own[t][0] += delta[0];
        assertThat(own[t][0])
            .as("trainer %d after the average of round %d", t, round)
            .isEqualTo(5f);
      }
    }
  }

  @Test
  void trainersThatTrainApartStayTogetherWhenAveragesComeBackRoundsLate() {
    // Four trainers, each pulled towards its own target (its share of the data) by gradient steps,
    // averaging every round with the average arriving three rounds late. Averaging must hold them
    // near one another and near the mean target (2.5), not throw them apart.
    int trainers = 4;
    int lag = 3;
    float[] target = {1f, 2f, 3f, 4f};
    float[] own = new float[trainers];
    SentDenseCopies[] sent = new SentDenseCopies[trainers];
    for (int t = 0; t < trainers; t++) {
      sent[t] = new SentDenseCopies(64);
    }
    DenseAverage averager = new DenseAverage(trainers, 64);
    Deque<DenseAverage.Result> inFlight = new ArrayDeque<>();
    float worstSpread = 0f;
    for (int round = 1; round <= 200; round++) {
      for (int t = 0; t < trainers; t++) {
        own[t] -= 0.05f * (own[t] - target[t]);
      }
      for (int t = 0; t < trainers; t++) {
        long r = sent[t].send(new float[] {own[t]});
        DenseAverage.Result res = averager.add(new DenseCopy(t, r, new float[] {own[t]}));
        if (res != null) {
          inFlight.addLast(res);
        }
      }
      while (inFlight.size() > lag) {
        DenseAverage.Result res = inFlight.pollFirst();
        for (int t = 0; t < trainers; t++) {
          float[] delta = sent[t].correction(res.round(), res.values());
          own[t] += delta[0];
        }
      }
      float min = Float.MAX_VALUE;
      float max = -Float.MAX_VALUE;
      for (float v : own) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      if (round > 20) {
        worstSpread = Math.max(worstSpread, max - min);
      }
    }
    // Each trainer drifts towards its target for `lag` rounds between merges: a spread of a few
    // tenths; merging a correction more than once makes it oscillate with a growing amplitude.
    assertThat(worstSpread).isLessThan(1f);
    for (float v : own) {
      assertThat(v).isFinite().isBetween(1.5f, 3.5f);
    }
  }

  @Test
  void keepsAtMostTheCopiesItWasGivenAndRefusesAnotherSize() {
    SentDenseCopies sent = new SentDenseCopies(2);
    sent.send(new float[] {1f});
    sent.send(new float[] {2f});
    long r = sent.send(new float[] {3f});
    assertThat(sent.pending()).isEqualTo(2);
    assertThat(sent.correction(1, new float[] {0f})).as("dropped").isNull();
    assertThatThrownBy(() -> sent.correction(r, new float[] {0f, 0f}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
