package io.darestream.jobs.bench;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.sequence.TrainingSampleSerializer;
import io.darestream.jobs.shard.ShardedTrainingStage;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.kafka.embedded.EmbeddedKafka;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.Auc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The sharded training stage alone (trainers, row owners, dense averager, replica refresh through
 * the embedded broker), fed by prepared samples ({@link ClickSamples}, made in the source as fast
 * as it is asked) so that neither ingest nor sequences limit it: issue 16's "N = 2 trains at least
 * 1.5x the samples/s of N = 1" check. Prints the samples, the job's wall time (job start included)
 * and the prequential AUC. Not a test; figures in BENCHMARKS.md "Parallel training".
 *
 * <pre>
 * java -Xmx3g --add-modules jdk.incubator.vector -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.darestream \
 *     -cp stream-jobs/target/test-classes:stream-jobs/target/classes:$(cat /tmp/sj-cp.txt) \
 *     io.darestream.jobs.bench.ShardedStageBench 60000 2   # samples, trainer parallelism
 * </pre>
 */
public final class ShardedStageBench {
  private ShardedStageBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 60_000;
    int parallelism = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    Path tmp = Files.createTempDirectory("sharded-stage-bench");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("model-deltas", 1);
      // The owners and the averager announce a snapshot part at every completed checkpoint.
      kafka.createTopic("model-snapshots", 1);
      Configuration c = new Configuration();
      c.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots").toString());
      c.set(CheckpointOptions.DIR, tmp.resolve("checkpoints").toUri().toString());
      c.set(CheckpointOptions.INTERVAL, Duration.ofSeconds(2));
      c.set(TrainerOptions.PARALLELISM, parallelism);
      c.set(TrainerOptions.SHARDED, true);
      DareJobOptions options = DareJobOptions.from(c);
      ModelOptions model = ModelOptions.from(c, options.trainer());
      StreamExecutionEnvironment env = DareTrainJob.environment(c, options);
      var samples =
          env.fromSource(
                  new DataGeneratorSource<>(
                      new NextSample(), n, TrainingSampleSerializer.TYPE_INFO),
                  WatermarkStrategy.noWatermarks(),
                  "prepared samples")
              .setParallelism(1);
      List<float[]> scores = new ArrayList<>(n);
      long start = System.nanoTime();
      try (CloseableIterator<PrequentialScore> it =
          ShardedTrainingStage.attach(samples, model, options.trainer(), options.kafka(), "")
              .executeAndCollect("sharded-stage-bench")) {
        it.forEachRemaining(s -> scores.add(new float[] {s.prediction, s.label}));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      float[] p = new float[scores.size()];
      int[] y = new int[scores.size()];
      for (int i = 0; i < p.length; i++) {
        p[i] = scores.get(i)[0];
        y[i] = (int) scores.get(i)[1];
      }
      System.out.printf(
          "BENCH sharded stage, N = %d: %d samples in %.1f s = %.0f samples/s (job start"
              + " included); prequential AUC %.4f%n",
          parallelism,
          scores.size(),
          seconds,
          scores.size() / seconds,
          Auc.compute(p, y, p.length));
    }
    System.exit(0); // Kafka and Flink leave non-daemon threads behind
  }

  /** The next prepared sample (the source runs at parallelism 1 and asks in index order). */
  private static final class NextSample implements GeneratorFunction<Long, TrainingSample> {
    private static final long serialVersionUID = 1L;
    private transient ClickSamples samples;

    @Override
    public TrainingSample map(Long index) {
      if (samples == null) {
        samples = new ClickSamples();
      }
      return samples.next();
    }
  }
}
