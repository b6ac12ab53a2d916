package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The search's exact-match terms: {@code s_i = <q, k_i> / sqrt(d) + β [item_i = target item] + γ
 * [category_i = target category]} (their gradient is checked in {@link GradientCheckTest}); β and γ
 * learn the sign the stream gives them, and the config keeps the setting.
 */
class ExactMatchTest {
  // Target 12 (category 2): behaviour 12 matches its item and category, 7 and 2 its category.
  private static final TrainingSample SAMPLE = Samples.sample(1, 12, 1, 12, 7, 3, 2, 9, 4, 8, 1);

  private static DareConfig.Builder config(boolean on) {
    return TinyDare.config().exactMatch(on);
  }

  @Test
  void aMatchingBehavioursScoreGainsItsTerms() {
    // K = L: every behaviour is retrieved with its score.
    DareModel plain = DareModel.create(config(false).topK(8).build());
    DareModel matched = DareModel.create(config(true).topK(8).build());
    matched.writeDense(
        new DenseBlock(DareParameters.EXACT_MATCH_BLOCK, new float[] {2.5f, -0.75f}));
    // Same seed: the same rows, so the scores differ by the terms alone.
    float[] before = scoresByPosition(plain.explain(SAMPLE), SAMPLE.historyLength());
    float[] after = scoresByPosition(matched.explain(SAMPLE), SAMPLE.historyLength());
    for (int i = 0; i < SAMPLE.historyLength(); i++) {
      long item = SAMPLE.historyItem(i);
      float expected =
          before[i]
              + (item == SAMPLE.targetItem() ? 2.5f : 0f)
              + (SAMPLE.historyCategory(i) == SAMPLE.targetCategory() ? -0.75f : 0f);
      assertThat(after[i])
          .as("score of behaviour %d (item %d)", i, item)
          .isCloseTo(expected, within(1e-4f));
    }
  }

  @Test
  void repeatedClicksTeachAPositiveItemTermAndSeenNegativesANegativeOne() {
    assertThat(trainedTerms(true)[0]).as("β where a repeat is a click").isGreaterThan(0.3f);
    assertThat(trainedTerms(false)[0]).as("β where a repeat is a non-click").isLessThan(-0.3f);
  }

  @Test
  void theConfigKeepsTheSettingAndRefusesABadRate() {
    DareConfig on = config(true).exactMatchLearningRate(0.05f).build();
    assertThat(on.toProperties()).contains("search.exact.match=true");
    assertThat(DareConfig.fromProperties(on.toProperties())).isEqualTo(on);
    assertThat(DareModel.create(on).dense().names()).contains(DareParameters.EXACT_MATCH_BLOCK);
    assertThat(DareModel.create(config(false).build()).dense().names())
        .doesNotContain(DareParameters.EXACT_MATCH_BLOCK);
    assertThatThrownBy(() -> config(true).exactMatchLearningRate(0).build())
        .hasMessageContaining("exactMatchLearningRate must be > 0, got 0.0");
  }

  /**
   * β and γ after training on a stream where the target appears in the history exactly when the
   * label is {@code repeatIsClick}.
   */
  private static float[] trainedTerms(boolean repeatIsClick) {
    // With the search's logit term, which says first hand what a click says of the picks.
    DareModel model =
        DareModel.create(config(true).searchLogitWeight(1f).microBatchSize(32).build());
    SplittableRandom r = new SplittableRandom(5);
    for (int step = 0; step < 60; step++) {
      List<TrainingSample> batch = new ArrayList<>();
      for (int b = 0; b < 32; b++) {
        long[] history = new long[8];
        for (int i = 0; i < history.length; i++) {
          history[i] = 1 + r.nextInt(200);
        }
        boolean repeat = r.nextBoolean();
        long target = repeat ? history[r.nextInt(history.length)] : 201 + r.nextInt(200);
        int label = repeat == repeatIsClick ? 1 : 0;
        batch.add(Samples.sample(1, target, label, history));
      }
      model.trainer().trainStep(batch);
    }
    return model.dense().block(DareParameters.EXACT_MATCH_BLOCK).values();
  }

  private static float[] scoresByPosition(Explanation e, int n) {
    float[] scores = new float[n];
    Arrays.fill(scores, Float.NaN);
    for (RetrievedBehaviour b : e.retrieved()) {
      scores[b.position() - 1] = b.score();
    }
    return scores;
  }
}
