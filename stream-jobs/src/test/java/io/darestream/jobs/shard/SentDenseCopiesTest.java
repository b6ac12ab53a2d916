package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/**
 * The trainer's side of dense merging, driven together with {@link DenseProgressSum} the way the
 * sharded stage runs them: progress goes out every interval, and G comes back rounds later (the
 * averager waits for the slowest trainer, then the round trip through {@code model-deltas}).
 */
class SentDenseCopiesTest {
  @Test
  void progressIsWhatTrainingMovedTheValuesAndACorrectionIsNoProgress() {
    SentDenseCopies sent = new SentDenseCopies(8, new float[] {1f, 4f});
    SentDenseCopies.Progress p = sent.send(new float[] {2f, 4f}, 0);
    assertThat(p.round()).isEqualTo(1);
    assertThat(p.values()).containsExactly(1f, 0f);
    // G of round 1 moves the trainer by 10; it trains +1 meanwhile, then sends: progress 1, not 11.
    assertThat(sent.correction(1, new float[] {12f, 14f})).containsExactly(10f, 10f);
    assertThat(sent.send(new float[] {13f, 14f}, 0).values()).containsExactly(1f, 0f);
    assertThat(sent.correction(2, new float[] {13f, 14f})).containsExactly(0f, 0f);
    assertThat(sent.correction(1, new float[] {0f, 0f})).as("older than merged").isNull();
  }

  @Test
  void roundsNumberedByTheClockMayInterleaveAndEveryVersionCorrectsByWhatTheOthersTrained() {
    // Trainer A sends at 1000 and 2000, trainer B at 1500 (its timer fired late): G of 1000 holds
    // A's first progress, G of 1500 B's too; A merges 1500 against its copy of 1000 (its newest
    // round up to 1500), B merges 1000 against its round 0.
    float[] init = {0f};
    SentDenseCopies a = new SentDenseCopies(8, init);
    SentDenseCopies b = new SentDenseCopies(8, init);
    DenseProgressSum sum = new DenseProgressSum(2, 8, 1f, init);
    float[] ownA = {1f};
    float[] ownB = {10f};
    SentDenseCopies.Progress pa = a.send(ownA.clone(), 1000);
    assertThat(pa.round()).isEqualTo(1000);
    assertThat(sum.add(new DenseProgress(0, pa.round(), pa.values()))).isNull();
    SentDenseCopies.Progress pb = b.send(ownB.clone(), 1500);
    DenseProgressSum.Result g1000 = sum.add(new DenseProgress(1, pb.round(), pb.values()));
    assertThat(g1000.version()).isEqualTo(1000);
    assertThat(g1000.values()).containsExactly(1f);
    ownA[0] += a.correction(1000, g1000.values())[0];
    ownB[0] += b.correction(1000, g1000.values())[0];
    assertThat(ownA).as("A: G, nothing trained since").containsExactly(1f);
    assertThat(ownB).as("B: its own 10 kept, A's 1 adopted").containsExactly(11f);
    ownA[0] += 100f;
    pa = a.send(ownA.clone(), 2000);
    assertThat(pa.values()).as("A's progress since 1000: training only").containsExactly(100f);
    DenseProgressSum.Result g1500 = sum.add(new DenseProgress(0, pa.round(), pa.values()));
    assertThat(g1500.version()).isEqualTo(1500);
    assertThat(g1500.values()).containsExactly(11f);
    ownA[0] += a.correction(1500, g1500.values())[0];
    ownB[0] += b.correction(1500, g1500.values())[0];
    assertThat(ownA).as("A: B's 10 adopted, its own 100 kept").containsExactly(111f);
    assertThat(ownB).as("B: nothing new").containsExactly(11f);
    assertThat(sum.finish().values()).as("G holds all progress").containsExactly(111f);
  }

  @Test
  void versionZeroMovesATrainerToTheRestoredModelAndKeepsWhatItTrainedMeanwhile() {
    // Opened with the initial values (0), the trainer trains to 1 and sends round 1 before the
    // averager's version 0, the restored G = 100, comes back.
    SentDenseCopies sent = new SentDenseCopies(8, new float[] {0f});
    float[] own = {1f};
    assertThat(sent.send(own.clone(), 0).values()).containsExactly(1f);
    own[0] += sent.correction(0, new float[] {100f})[0];
    assertThat(own[0]).isEqualTo(101f);
    // The averager folds round 1 (progress 1) into G: 101; merging it changes nothing.
    assertThat(sent.correction(1, new float[] {101f})).containsExactly(0f);
    own[0] += 1f;
    assertThat(sent.send(own.clone(), 0).values()).containsExactly(1f);
  }

  @Test
  void aRestoreFromACheckpointValueGivesEveryTrainerThatValue() {
    // Two trainers send their progress before a barrier; the averager's checkpoint value is G plus
    // all of it. Restored, the averager starts from it and new trainers (at the initial values)
    // move exactly to it with version 0.
    float[] init = {0f, 0f};
    DenseProgressSum before = new DenseProgressSum(2, 8, 1f, init);
    SentDenseCopies[] sent = {new SentDenseCopies(8, init), new SentDenseCopies(8, init)};
    before.add(new DenseProgress(0, 1, sent[0].send(new float[] {1f, 2f}, 0).values()));
    before.add(new DenseProgress(1, 1, sent[1].send(new float[] {3f, 0f}, 0).values()));
    before.add(new DenseProgress(0, 2, sent[0].send(new float[] {2f, 2f}, 0).values()));
    float[] checkpoint = before.checkpointValue();
    assertThat(checkpoint).containsExactly(5f, 2f);

    DenseProgressSum after = new DenseProgressSum(2, 8, 1f, checkpoint);
    for (int t = 0; t < 2; t++) {
      float[] own = init.clone();
      SentDenseCopies restarted = new SentDenseCopies(8, own);
      float[] delta = restarted.correction(0, after.checkpointValue());
      for (int i = 0; i < own.length; i++) {
        own[i] += delta[i];
      }
      assertThat(own).as("trainer %d after version 0", t).containsExactly(5f, 2f);
    }
  }

  @Test
  void aCorrectionIsNotAppliedAgainByTheModelOfARoundSentBeforeIt() {
    // Two trainers that disagree (0 and 10, restored that way) and do not train: both send rounds
    // 1 and 2 before G of round 1 comes back; G (the mean, 5) must move each of them once.
    float[][] own = {{0f}, {10f}};
    SentDenseCopies[] sent = {new SentDenseCopies(8, own[0]), new SentDenseCopies(8, own[1])};
    DenseProgressSum averager = new DenseProgressSum(2, 8, 0.5f, new float[] {5f});
    DenseProgressSum.Result[] results = new DenseProgressSum.Result[3];
    for (int round = 1; round <= 2; round++) {
      for (int t = 0; t < 2; t++) {
        SentDenseCopies.Progress p = sent[t].send(own[t].clone(), 0);
        DenseProgressSum.Result res = averager.add(new DenseProgress(t, p.round(), p.values()));
        if (res != null) {
          results[round] = res;
        }
      }
    }
    for (int round = 1; round <= 2; round++) {
      for (int t = 0; t < 2; t++) {
        float[] delta = sent[t].correction(round, results[round].values());
        own[t][0] += delta[0];
        assertThat(own[t][0]).as("trainer %d after G of round %d", t, round).isEqualTo(5f);
      }
    }
  }

  @Test
  void trainersWhoseModelComesBackThreeRoundsLateStayTogetherAndGHoldsAllTheirProgress() {
    for (float scale : new float[] {1f, 0.25f}) {
      lagged(scale);
    }
  }

  /**
   * Four trainers, each pulled towards its own target (its share of the data) by gradient steps,
   * sending progress every round, G arriving three rounds late. Merging must hold them near one
   * another and near the mean target (2.5), not throw them apart, and G must be the initial value
   * plus {@code scale ×} every progress sent.
   */
  private static void lagged(float scale) {
    int trainers = 4;
    int lag = 3;
    float[] target = {1f, 2f, 3f, 4f};
    float[] own = new float[trainers];
    SentDenseCopies[] sent = new SentDenseCopies[trainers];
    for (int t = 0; t < trainers; t++) {
      sent[t] = new SentDenseCopies(64, new float[] {own[t]});
    }
    DenseProgressSum averager = new DenseProgressSum(trainers, 64, scale, new float[] {0f});
    Deque<DenseProgressSum.Result> inFlight = new ArrayDeque<>();
    double allProgress = 0;
    float worstSpread = 0f;
    for (int round = 1; round <= 200; round++) {
      for (int t = 0; t < trainers; t++) {
        own[t] -= 0.05f * (own[t] - target[t]);
      }
      for (int t = 0; t < trainers; t++) {
        SentDenseCopies.Progress p = sent[t].send(new float[] {own[t]}, 0);
        allProgress += p.values()[0];
        DenseProgressSum.Result res = averager.add(new DenseProgress(t, p.round(), p.values()));
        if (res != null) {
          inFlight.addLast(res);
        }
      }
      while (inFlight.size() > lag) {
        DenseProgressSum.Result res = inFlight.pollFirst();
        for (int t = 0; t < trainers; t++) {
          own[t] += sent[t].correction(res.version(), res.values())[0];
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
    assertThat(worstSpread).as("scale %s", scale).isLessThan(1f);
    for (float v : own) {
      assertThat(v).as("scale %s", scale).isFinite().isBetween(1.5f, 3.5f);
    }
    assertThat((double) averager.checkpointValue()[0])
        .as("scale %s: G is scale × all progress", scale)
        .isCloseTo(scale * allProgress, within(1e-3));
  }

  @Test
  void keepsAtMostTheCopiesItWasGivenAndRefusesAnotherSize() {
    SentDenseCopies sent = new SentDenseCopies(2, new float[] {0f});
    sent.send(new float[] {1f}, 0);
    sent.send(new float[] {2f}, 0);
    long r = sent.send(new float[] {3f}, 0).round();
    assertThat(sent.pending()).isEqualTo(2);
    assertThat(sent.correction(1, new float[] {0f})).as("dropped").isNull();
    assertThatThrownBy(() -> sent.correction(r, new float[] {0f, 0f}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sent.send(new float[] {0f, 0f}, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
