package io.darestream.jobs.train;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.topology.TrainingStage;
import io.darestream.jobs.topology.Uids;
import io.darestream.model.TrainingSample;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Plugs the {@link TrainerOperator} into the dare-train job after the sequence stage. The trainer
 * runs with parallelism and max parallelism 1 (it holds the one model replica) and writes deltas
 * and snapshot announcements itself; its prequential scores are the stage's output.
 */
public record TrainerStage(ModelOptions model) implements TrainingStage {
  @Override
  public void attach(DataStream<TrainingSample> samples, DareJobOptions options) {
    trainer(samples, options, model);
  }

  /** Adds the trainer and returns its prequential scores. */
  public static SingleOutputStreamOperator<PrequentialScore> trainer(
      DataStream<TrainingSample> samples, DareJobOptions options, ModelOptions model) {
    return trainer(
        samples,
        "trainer",
        Uids.TRAINER,
        model,
        options.trainer(),
        options.kafka(),
        options.checkpoint());
  }

  /**
   * Adds one trainer with its own name, uid and options (the local runner trains several variants
   * side by side on the same samples) and returns its prequential scores.
   */
  public static SingleOutputStreamOperator<PrequentialScore> trainer(
      DataStream<TrainingSample> samples,
      String name,
      String uid,
      ModelOptions model,
      TrainerOptions trainer,
      KafkaOptions kafka,
      CheckpointOptions checkpoint) {
    return trainer(samples, name, uid, model, trainer, kafka, checkpoint, TrainingProbe.NONE);
  }

  /** As above, with {@code probe} shown every micro-batch before the trainer learns from it. */
  public static SingleOutputStreamOperator<PrequentialScore> trainer(
      DataStream<TrainingSample> samples,
      String name,
      String uid,
      ModelOptions model,
      TrainerOptions trainer,
      KafkaOptions kafka,
      CheckpointOptions checkpoint,
      TrainingProbe probe) {
    return samples
        .transform(
            name,
            TypeInformation.of(PrequentialScore.class),
            new TrainerOperator(model, trainer, kafka, checkpoint, probe))
        .uid(uid)
        .name(name)
        .setParallelism(1)
        .setMaxParallelism(1);
  }
}
