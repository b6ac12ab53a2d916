package io.darestream.jobs.shard;

import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.topology.TrainingStage;
import io.darestream.jobs.topology.Uids;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.jobs.train.TrainingProbe;
import io.darestream.model.TrainingSample;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The sharded training stage (issue #16): N trainers, N row owners, one dense averager.
 *
 * <pre>
 * samples ─keyBy(user)─► trainers (N) ─┬─ row gradients ─keyBy(key group)─► owners (N) ─► model-deltas
 *              ▲                        └─ dense progress ► averager (1) ──────────────────► model-deltas
 *              └──────────── replicas tail model-deltas (outside the graph: the job stays a DAG)
 * </pre>
 *
 * Every operator of the stage has the max parallelism of the model's key groups, so a job can be
 * restarted from a checkpoint or savepoint at any parallelism up to it.
 */
public record ShardedTrainingStage(ModelOptions model) implements TrainingStage {
  @Override
  public void attach(DataStream<TrainingSample> samples, DareJobOptions options) {
    attach(samples, model, options.trainer(), options.kafka(), "");
  }

  /**
   * Adds the stage and returns the trainers' prequential scores.
   *
   * @param uidSuffix appended to every uid and name (the local runner trains variants side by side)
   */
  public static SingleOutputStreamOperator<PrequentialScore> attach(
      DataStream<TrainingSample> samples,
      ModelOptions model,
      TrainerOptions trainer,
      KafkaOptions kafka,
      String uidSuffix) {
    return attach(samples, model, trainer, kafka, uidSuffix, TrainingProbe.NONE);
  }

  /**
   * As above, with {@code probe} shown every micro-batch of every trainer, with that trainer's
   * replica, before it trains.
   */
  public static SingleOutputStreamOperator<PrequentialScore> attach(
      DataStream<TrainingSample> samples,
      ModelOptions model,
      TrainerOptions trainer,
      KafkaOptions kafka,
      String uidSuffix,
      TrainingProbe probe) {
    int n = trainer.parallelism();
    int maxP = trainer.maxParallelism();
    RowRouting routing = new RowRouting(maxP);
    SingleOutputStreamOperator<PrequentialScore> trainers =
        samples
            .keyBy(new SampleUser(), Types.LONG)
            .transform(
                "trainer" + uidSuffix,
                TypeInformation.of(PrequentialScore.class),
                new ShardedTrainerOperator(model, trainer, kafka, probe))
            .uid(Uids.SHARDED_TRAINER + uidSuffix)
            .name("trainer" + uidSuffix)
            .setParallelism(n)
            .setMaxParallelism(maxP);
    trainers
        .getSideOutput(ShardedTrainerOperator.GRADIENTS)
        .keyBy(routing.batchKey(), Types.LONG)
        .transform("row owner" + uidSuffix, Types.VOID, new RowOwnerOperator(model, trainer, kafka))
        .uid(Uids.ROW_OWNER + uidSuffix)
        .name("row owner" + uidSuffix)
        .setParallelism(n)
        .setMaxParallelism(maxP);
    trainers
        .getSideOutput(ShardedTrainerOperator.DENSE)
        .transform(
            "dense averager" + uidSuffix, Types.VOID, new DenseAverager(model, trainer, kafka, n))
        .uid(Uids.DENSE_AVERAGER + uidSuffix)
        .name("dense averager" + uidSuffix)
        // One averager, but the stage's max parallelism, not 1: at N = 1 it joins the trainers'
        // chain, and Flink refuses a restore where an operator's max parallelism changed.
        .setParallelism(1)
        .setMaxParallelism(maxP);
    return trainers;
  }

  /** Partitions samples by user, as the sequence stage does. */
  static final class SampleUser implements KeySelector<TrainingSample, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long getKey(TrainingSample sample) {
      return sample.userId();
    }
  }
}
