package io.darestream.schemas.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {
  @Test
  void readsTheJobsDurationSyntax() {
    assertThat(DurationText.parse("1 d")).isEqualTo(Duration.ofDays(1));
    assertThat(DurationText.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(DurationText.parse(" 10 min ")).isEqualTo(Duration.ofMinutes(10));
    assertThat(DurationText.parse("36 HOURS")).isEqualTo(Duration.ofHours(36));
    assertThat(DurationText.parse("250")).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void refusesAnythingElseSayingWhatItExpects() {
    assertThatThrownBy(() -> DurationText.parse("1.5 d"))
        .hasMessageStartingWith("not a duration: '1.5 d'");
    assertThatThrownBy(() -> DurationText.parse("-1 s")).hasMessageStartingWith("not a duration");
    assertThatThrownBy(() -> DurationText.parse("3 fortnights"))
        .hasMessageStartingWith("not a duration");
    assertThatThrownBy(() -> DurationText.parse("")).hasMessage("a duration must not be empty");
  }
}
