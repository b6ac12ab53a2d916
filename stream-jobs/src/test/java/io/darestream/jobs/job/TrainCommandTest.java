package io.darestream.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.config.ModelOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class TrainCommandTest {

  @Test
  void aNegativeNumberAfterAKeyIsItsValue() {
    Configuration c = TrainCommand.checkedConfig(new String[] {"--dare.model.seed", "-1"});

    assertThat(c.get(ModelOptions.SEED)).isEqualTo(-1L);
  }

  @Test
  void aSingleDashOptionIsRefusedWithTheForm() {
    assertThatThrownBy(() -> TrainCommand.checkedConfig(new String[] {"-p", "2"}))
        .isInstanceOf(JobArgumentException.class)
        .hasMessageContaining("unknown option -p (job options are --dare.<key> <value>)");
    assertThatThrownBy(
            () -> TrainCommand.checkedConfig(new String[] {"--dare.model.seed", "1", "-x", "2"}))
        .isInstanceOf(JobArgumentException.class)
        .hasMessageContaining("unknown option -x");
  }
}
