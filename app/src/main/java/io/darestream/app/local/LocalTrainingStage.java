package io.darestream.app.local;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.shard.ShardedTrainingStage;
import io.darestream.jobs.topology.TrainingStage;
import io.darestream.jobs.topology.Uids;
import io.darestream.jobs.train.TrainerOperator;
import io.darestream.jobs.train.TrainerStage;
import io.darestream.model.TrainingSample;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The training stage of a local run: one {@link TrainerOperator} per compared variant, all fed the
 * same samples (so {@code --compare twin} compares on exactly the same stream), each with its own
 * model id, delta and snapshot topics and snapshot directory; their prequential scores go to the
 * run's {@link RunStats}, and on a stream with planted ground truth each variant's retrieval
 * quality too ({@link PlantedRetrievalProbe}; with the sharded stage every trainer measures its
 * share of the clicks on its replica). The first variant is the one serving serves.
 */
final class LocalTrainingStage implements TrainingStage {
  private static final long serialVersionUID = 1L;

  private final String runId;
  private final HashMap<String, String> jobConfig;
  private final List<VariantSetup> variants;

  /**
   * One trained variant: its name (also its model id and uid suffix) and the options that differ
   * from the job's (variant, topics, snapshot directory).
   */
  record VariantSetup(String name, HashMap<String, String> overrides)
      implements java.io.Serializable {}

  /**
   * @param jobConfig the job's whole configuration ({@code dare.*} keys), model options included
   */
  LocalTrainingStage(String runId, Map<String, String> jobConfig, List<VariantSetup> variants) {
    this.runId = runId;
    this.jobConfig = new HashMap<>(jobConfig);
    this.variants = List.copyOf(variants);
  }

  @Override
  public void attach(DataStream<TrainingSample> samples, DareJobOptions options) {
    Configuration base = Configuration.fromMap(jobConfig);
    for (int i = 0; i < variants.size(); i++) {
      VariantSetup v = variants.get(i);
      Configuration c = new Configuration(base);
      v.overrides().forEach(c::setString);
      TrainerOptions trainer = TrainerOptions.from(c);
      // The first variant keeps the job's uids, so its state matches a plain dare-train job.
      String suffix = i == 0 ? "" : "-" + v.name();
      // The sharded stage at N > 1 or when asked for (its uids differ from the single trainer's).
      PlantedRetrievalProbe probe = new PlantedRetrievalProbe(runId, v.name());
      var scores =
          trainer.sharded()
              ? ShardedTrainingStage.attach(
                  samples,
                  ModelOptions.from(c, trainer),
                  trainer,
                  KafkaOptions.from(c),
                  suffix,
                  probe)
              : TrainerStage.trainer(
                  samples,
                  "trainer " + v.name(),
                  Uids.TRAINER + suffix,
                  ModelOptions.from(c, trainer),
                  trainer,
                  KafkaOptions.from(c),
                  CheckpointOptions.from(c),
                  probe);
      scores
          .sinkTo(new ScoreSink(runId, v.name()))
          .uid("local-scores" + suffix)
          .name("scores " + v.name())
          .setParallelism(1);
    }
  }
}
