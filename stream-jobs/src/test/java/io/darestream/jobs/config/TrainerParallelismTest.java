package io.darestream.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.job.JobArgumentException;
import io.darestream.jobs.job.TrainCommand;
import io.darestream.jobs.shard.ShardedTrainingStage;
import io.darestream.jobs.train.TrainerStage;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code dare.trainer.parallelism}: its checks, the flag of {@code train}, the stage it picks. */
class TrainerParallelismTest {
  @Test
  void theShardedStageTrainsAtEveryParallelismUnlessTheSingleTrainerIsAskedFor() {
    DareJobOptions one = DareJobOptions.from(new Configuration());
    assertThat(one.trainer().parallelism()).isEqualTo(1);
    assertThat(one.trainer().maxParallelism()).isEqualTo(128);
    ModelOptions model = ModelOptions.from(new Configuration(), one.trainer());
    assertThat(DareTrainJob.trainingStage(one, model)).isInstanceOf(ShardedTrainingStage.class);

    Configuration c = new Configuration();
    c.set(TrainerOptions.PARALLELISM, 4);
    assertThat(DareTrainJob.trainingStage(DareJobOptions.from(c), model))
        .isInstanceOf(ShardedTrainingStage.class);

    Configuration single = new Configuration();
    single.set(TrainerOptions.SHARDED, false);
    assertThat(DareTrainJob.trainingStage(DareJobOptions.from(single), model))
        .isInstanceOf(TrainerStage.class);

    // The single trainer has one subtask: more is refused, not silently changed.
    single.set(TrainerOptions.PARALLELISM, 2);
    assertThatThrownBy(() -> TrainerOptions.from(single))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "dare.trainer.sharded is false (the single trainer, parallelism 1 only) but"
                + " dare.trainer.parallelism is 2");
  }

  @Test
  void badValuesAreRefusedWithTheKeyInTheMessage() {
    Configuration zero = new Configuration();
    zero.set(TrainerOptions.PARALLELISM, 0);
    assertThatThrownBy(() -> TrainerOptions.from(zero))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dare.trainer.parallelism must be > 0");

    Configuration aboveMax = new Configuration();
    aboveMax.set(TrainerOptions.PARALLELISM, 9);
    aboveMax.set(TrainerOptions.MAX_PARALLELISM, 8);
    assertThatThrownBy(() -> TrainerOptions.from(aboveMax))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "dare.trainer.parallelism is 9 but dare.trainer.max-parallelism is 8");

    Configuration jobAboveMax = new Configuration();
    jobAboveMax.set(DareJobOptions.PARALLELISM, 9);
    jobAboveMax.set(TrainerOptions.MAX_PARALLELISM, 8);
    assertThatThrownBy(() -> DareJobOptions.from(jobAboveMax))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dare.parallelism is 9 but dare.trainer.max-parallelism is 8");

    Configuration hugeMax = new Configuration();
    hugeMax.set(TrainerOptions.MAX_PARALLELISM, 40_000);
    assertThatThrownBy(() -> TrainerOptions.from(hugeMax)).hasMessageContaining("at most 32768");
  }

  @Test
  void trainFlagSetsTheOptionAndIsChecked() {
    TrainCommand ok = new TrainCommand();
    new CommandLine(ok).parseArgs("--trainer-parallelism", "3");
    Configuration c = TrainCommand.checkedConfig(ok.jobArgs());
    assertThat(c.get(TrainerOptions.PARALLELISM)).isEqualTo(3);

    TrainCommand bad = new TrainCommand();
    new CommandLine(bad).parseArgs("--trainer-parallelism", "0");
    assertThatThrownBy(() -> TrainCommand.checkedConfig(bad.jobArgs()))
        .isInstanceOf(JobArgumentException.class)
        .hasMessageContaining("dare.trainer.parallelism must be > 0, got 0");
  }

  @Test
  void aPretrainedModelStartsTheShardedStageToo() {
    Configuration c = new Configuration();
    c.set(TrainerOptions.INITIAL_SNAPSHOT, "/pretrained/snapshots");
    assertThat(TrainerOptions.from(c).initialSnapshot()).contains("/pretrained/snapshots");

    c.set(TrainerOptions.PARALLELISM, 2);
    TrainerOptions sharded = TrainerOptions.from(c);
    assertThat(sharded.sharded()).isTrue();
    assertThat(sharded.initialSnapshot()).contains("/pretrained/snapshots");
  }
}
