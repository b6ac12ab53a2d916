package io.darestream.schemas.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NearestNameTest {
  @Test
  void editDistance() {
    assertThat(NearestName.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(NearestName.distance("", "abc")).isEqualTo(3);
    assertThat(NearestName.distance("abc", "")).isEqualTo(3);
    assertThat(NearestName.distance("same", "same")).isZero();
  }

  @Test
  void nearestWithTiesBrokenAlphabetically() {
    assertThat(NearestName.of("max-candidatez", List.of("port", "max-candidates", "threads")))
        .isEqualTo("max-candidates");
    assertThat(NearestName.of("ab", List.of("ac", "aa"))).isEqualTo("aa");
    assertThatThrownBy(() -> NearestName.of("x", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
