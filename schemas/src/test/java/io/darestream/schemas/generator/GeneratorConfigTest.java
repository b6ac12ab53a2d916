package io.darestream.schemas.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GeneratorConfigTest {
  @Test
  void requiredSizesAreNamedWhenMissing() {
    assertThatThrownBy(() -> GeneratorConfig.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid generator config: users is required but not set; behaviorsPerUser is"
                + " required but not set; items is required but not set");
  }

  @Test
  void outOfRangeValuesAreAllReported() {
    assertThatThrownBy(
            () ->
                GeneratorConfig.builder()
                    .setUsers(10)
                    .setItems(10)
                    .setBehaviorsPerUser(10_001)
                    .optTopics(20)
                    .optInterestsPerUser(20)
                    .optClickProbabilities(1.5, 0.1)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("behaviorsPerUser must be in 1..10000, got 10001")
        .hasMessageContaining("items must be >= topics (20)")
        .hasMessageContaining("interestsPerUser must be in 1..topics-1, got 20")
        .hasMessageContaining("clickRelevant must be a probability in [0, 1], got 1.5");
  }

  @Test
  void defaultsAndDerivedCounts() {
    GeneratorConfig config =
        GeneratorConfig.builder().setUsers(10).setItems(1_000).setBehaviorsPerUser(400).build();

    assertThat(config.mode()).isEqualTo(GeneratorMode.IMPRESSIONS);
    assertThat(config.impressionsPerUser()).isEqualTo(100);
    assertThat(config.historyEvents()).isEqualTo(4_000);
    assertThat(config.impressionEvents()).isEqualTo(1_000);
    assertThat(config.topics()).isEqualTo(50);
    assertThat(config.seed()).isEqualTo(42);
    GeneratorConfig clickOnly =
        GeneratorConfig.builder()
            .setUsers(10)
            .setItems(1_000)
            .setBehaviorsPerUser(400)
            .optMode(GeneratorMode.CLICK_ONLY)
            .optImpressionsPerUser(50)
            .build();
    assertThat(clickOnly.impressionsPerUser()).isZero();
  }
}
