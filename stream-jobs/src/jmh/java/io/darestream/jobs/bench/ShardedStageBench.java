package io.darestream.jobs.bench;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.job.DareTrainJob;
import io.darestream.jobs.sequence.TrainingSampleSerializer;
import io.darestream.jobs.shard.ShardedTrainingStage;
import io.darestream.kafka.embedded.EmbeddedKafka;
import io.darestream.model.TrainingSample;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The sharded training stage alone (trainers, row owners, dense averager, replica refresh through
 * the embedded broker), fed by prepared samples ({@link ClickSamples}, made in the source as fast
 * as it is asked) so that neither ingest nor sequences limit it: issue 16's "N = 2 trains at least
 * 1.5x the samples/s of N = 1" check. The rate is the steady state's: scores counted as they reach
 * the client, from the warm-up-th to the last, so that job start, class loading and the JIT's first
 * minutes stay out of it. For the same window it prints the process CPU per sample and the CPU per
 * sample of each group of threads (trainers, owners, source, replica feeds, broker, ...), which
 * says where the time goes; and the prequential AUC of all samples. Not a test; figures in
 * BENCHMARKS.md "Parallel training".
 *
 * <pre>
 * java -Xmx3g --add-modules jdk.incubator.vector -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.darestream \
 *     -cp stream-jobs/target/test-classes:stream-jobs/target/classes:$(cat /tmp/sj-cp.txt) \
 *     io.darestream.jobs.bench.ShardedStageBench 400000 2 100000   # samples, trainers, warm-up
 * </pre>
 */
public final class ShardedStageBench {
  private ShardedStageBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
    int parallelism = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int warmUp = args.length > 2 ? Integer.parseInt(args[2]) : n / 4;
    if (warmUp < 0 || warmUp >= n) {
      throw new IllegalArgumentException("warm-up must be in [0, " + n + "), got " + warmUp);
    }
    Path tmp = Files.createTempDirectory("sharded-stage-bench");
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      kafka.createTopic("model-deltas", 1);
      // The owners and the averager announce a snapshot part at every completed checkpoint.
      kafka.createTopic("model-snapshots", 1);
      Configuration c = new Configuration();
      TaskTimes tasks = new TaskTimes();
      c.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots").toString());
      c.set(CheckpointOptions.DIR, tmp.resolve("checkpoints").toUri().toString());
      c.set(CheckpointOptions.INTERVAL, Duration.ofSeconds(2));
      c.set(TrainerOptions.PARALLELISM, parallelism);
      c.set(TrainerOptions.SHARDED, true);
      tasks.install(c);
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
      ShardedTrainingStage.attach(samples, model, options.trainer(), options.kafka(), "")
          .sinkTo(BenchScores.sink())
          .name("scores")
          .setParallelism(parallelism);
      long start = System.nanoTime();
      JobClient job = env.executeAsync("sharded-stage-bench");
      // The window: from the warm-up-th score to the last, counted as the trainers make them
      // (the job's start and end stay out of it).
      awaitScored(warmUp, job);
      ThreadCpuWindow window = ThreadCpuWindow.start();
      long scoredBefore = BenchScores.scored(); // the warm-up, or a few more
      Map<String, TaskTimes.Times> tasksBefore = tasks.read();
      double loadBefore = loadAverage();
      awaitScored(n, job);
      Map<String, TaskTimes.Times> tasksAfter = tasks.read();
      ThreadCpuWindow.Result r = window.stop();
      job.getJobExecutionResult().get();
      double total = (System.nanoTime() - start) / 1e9;
      if (BenchScores.handedOver() != n) {
        throw new IllegalStateException(
            "expected " + n + " scores, got " + BenchScores.handedOver());
      }
      long measured = n - scoredBefore;
      System.out.printf(
          "BENCH sharded stage, N = %d: %.0f samples/s steady (%d samples after %d of warm-up,"
              + " %.1f s); process CPU %.1f µs/sample (%.2f cores); %.1f s in all, job start"
              + " included; load average %.2f -> %.2f; prequential AUC %.4f%n",
          parallelism,
          measured / (r.wallNanos() / 1e9),
          measured,
          scoredBefore,
          r.wallNanos() / 1e9,
          r.processCpuNanos() / 1e3 / measured,
          (double) r.processCpuNanos() / r.wallNanos(),
          total,
          loadBefore,
          loadAverage(),
          BenchScores.auc());
      System.out.println("BENCH   task: busy | back-pressured | idle, % of the window");
      for (var e : tasksAfter.entrySet()) {
        TaskTimes.Times t =
            e.getValue().minus(tasksBefore.getOrDefault(e.getKey(), TaskTimes.Times.ZERO));
        double ms = r.wallNanos() / 1e6;
        System.out.printf(
            "BENCH   %5.1f | %5.1f | %5.1f | %s%n",
            100 * t.busyMs() / ms,
            100 * t.backPressuredMs() / ms,
            100 * t.idleMs() / ms,
            e.getKey());
      }
      System.out.println(
          "BENCH   CPU µs/sample | ran, % of the window | waited for a core, % | threads | group");
      long listed = 0;
      for (var e : r.groups().entrySet()) {
        ThreadCpuWindow.Group g = e.getValue();
        double perSample = g.ranNanos() / 1e3 / measured;
        if (perSample >= 0.2) {
          listed += g.ranNanos();
          System.out.printf(
              "BENCH   %7.2f | %5.1f | %5.1f | %3d | %s%n",
              perSample,
              100.0 * g.ranNanos() / r.wallNanos(),
              100.0 * g.waitedNanos() / r.wallNanos(),
              g.threads(),
              e.getKey());
        }
      }
      System.out.printf(
          "BENCH   %7.2f | other threads (each < 0.2 µs/sample, or ended in the window)%n",
          (r.processCpuNanos() - listed) / 1e3 / measured);
    }
    System.exit(0); // Kafka and Flink leave non-daemon threads behind
  }

  /** Waits until the trainers have made {@code count} scores, polling every 10 ms. */
  private static void awaitScored(long count, JobClient job) throws Exception {
    while (BenchScores.scored() < count) {
      if (job.getJobStatus().get().isGloballyTerminalState()) {
        throw new IllegalStateException(
            "the job ended after " + BenchScores.scored() + " scores, " + count + " expected");
      }
      LockSupport.parkNanos(10_000_000);
    }
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
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
