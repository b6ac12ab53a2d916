package io.darestream.model.bench;

import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One prequential training step (score, backward, sparse and dense updates) on a micro-batch of 256
 * with K = 20, 16 dims per field; 100k items, 1k categories. Samples/s = 256 / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrainStepBench {
  @Param({"200", "2000"})
  int length;

  @Param({"DARE", "TWIN"})
  Variant variant;

  private DareModel model;
  private List<TrainingSample> batch;

  @Setup
  public void setup() {
    model = DareModel.create(DareConfig.builder().variant(variant).maxHistory(length).build());
    batch = batch(256, length, 1);
  }

  static List<TrainingSample> batch(int n, int length, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TrainingSample> out = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      long[] h = new long[length];
      long[] c = new long[length];
      for (int i = 0; i < length; i++) {
        h[i] = r.nextInt(100_000);
        c[i] = h[i] % 1000;
      }
      long t = r.nextInt(100_000);
      out.add(new TrainingSample(s, t, t % 1000, r.nextInt(2), 0, 0, h, c));
    }
    return out;
  }

  @Benchmark
  public BatchResult trainStep() {
    return model.trainBatch(batch);
  }
}
