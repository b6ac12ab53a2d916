package io.darestream.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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

  @Test
  void fromSavepointStartsTheJobFromThePretrainedStateAndModel(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("savepoint"));
    Files.createDirectories(dir.resolve("snapshots"));
    TrainCommand cmd = new TrainCommand();
    new CommandLine(cmd).parseArgs("--from-savepoint", dir.toString(), "--dare.model.seed", "3");

    Configuration c = TrainCommand.checkedConfig(cmd.jobArgs());

    assertThat(c.get(StateRecoveryOptions.SAVEPOINT_PATH))
        .isEqualTo(dir.resolve("savepoint").toUri().toString());
    assertThat(TrainerOptions.from(c).initialSnapshot())
        .contains(dir.resolve("snapshots").toString());
    assertThat(c.get(ModelOptions.SEED)).isEqualTo(3L);
  }

  @Test
  void fromSavepointRefusesADirectoryPretrainDidNotWrite(@TempDir Path dir) {
    TrainCommand cmd = new TrainCommand();
    new CommandLine(cmd).parseArgs("--from-savepoint", dir.toString());

    assertThatThrownBy(cmd::jobArgs)
        .isInstanceOf(JobArgumentException.class)
        .hasMessageContaining("--from-savepoint: " + dir + " is not a directory `pretrain --out`");
  }
}
