package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import org.junit.jupiter.api.Test;

/**
 * The search's logit term: {@code logit = MLP(x) + w s̄}, s̄ the softmax-weighted mean of the
 * picked scores (its gradient is checked in {@link GradientCheckTest}); the config keeps it, and
 * refuses it where it is not implemented.
 */
class SearchLogitTermTest {
  private static final TrainingSample SAMPLE = Samples.sample(1, 11, 1, 1, 2, 3, 4, 5, 6, 7, 8);

  private static DareConfig.Builder config(float weight) {
    return TinyDare.config().searchLogitWeight(weight);
  }

  @Test
  void theLogitGainsTheWeightedMeanOfThePickedScores() {
    DareModel plain = DareModel.create(config(0).build());
    DareModel withTerm = DareModel.create(config(1.5f).build());
    Explanation e = withTerm.explain(SAMPLE);
    double mean = 0;
    for (RetrievedBehaviour b : e.retrieved()) {
      mean += b.weight() * b.score();
    }
    assertThat(e.retrieved()).hasSize(3);
    assertThat(mean).isNotCloseTo(0, within(1e-3));
    // Same seed, same rows and MLP: the logits differ by the term alone.
    assertThat(logit(withTerm.score(SAMPLE)) - logit(plain.score(SAMPLE)))
        .isCloseTo(1.5 * mean, within(1e-4));
  }

  @Test
  void theConfigKeepsTheWeightAndOlderConfigsReadAsWithout() {
    DareConfig on = config(1.5f).build();
    assertThat(on.toProperties()).contains("search.logit.weight=1.5");
    assertThat(DareConfig.fromProperties(on.toProperties())).isEqualTo(on);
    DareConfig off = config(0).build();
    assertThat(DareConfig.fromProperties(off.toProperties()).searchLogitWeight()).isZero();
    // Stored before the term existed: no key, whatever the default is now.
    String older =
        on.toProperties()
            .lines()
            .filter(l -> !l.startsWith("search."))
            .map(l -> l + "\n")
            .reduce("", String::concat);
    DareConfig old = DareConfig.fromProperties(older);
    assertThat(old.searchLogitWeight()).isZero();
    assertThat(old.exactMatch()).isFalse();
  }

  @Test
  void aWeightItCannotHonourIsRefused() {
    assertThatThrownBy(() -> config(-1).build())
        .hasMessageContaining("searchLogitWeight must be >= 0, got -1.0");
    assertThatThrownBy(() -> config(Float.NaN).build())
        .hasMessageContaining("searchLogitWeight must be >= 0");
    assertThatThrownBy(() -> config(1).straightThroughSearch(true).build())
        .hasMessageContaining("searchLogitWeight does not go with straightThroughSearch");
  }

  private static double logit(float p) {
    return Math.log(p / (1.0 - p));
  }
}
