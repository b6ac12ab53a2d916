package io.darestream.model.bench;

import ai.djl.Device;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.djl.DjlBatchEngine;
import io.darestream.model.train.DareTrainer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One training step of the Java engine ({@code DareTrainer}) against the DJL engine ({@link
 * DjlBatchEngine}, PyTorch) on the same model: DARE, K = 20, 16 dims per field, MLP 200-80, L =
 * 200, one fixed batch of unrelated histories over 100k items ({@link TrainStepBench#batch}, the
 * gather's worst case), trained again and again. Samples/s = batch / time. {@code device} is {@code
 * cpu} or {@code gpu} (CUDA: a CUDA build of PyTorch's native library on the classpath, see
 * BENCHMARKS.md "Batch engines"). PyTorch gets one intra-op and one inter-op thread unless the fork
 * is given other {@code ai.djl.pytorch.num_threads}: the Java engine runs on one thread.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class BatchEngineBench extends ModelBenchDefaults {
  @Param({"java", "djl"})
  String engine;

  @Param({"256", "2048"})
  int batch;

  @Param({"200"})
  int length;

  @Param({"cpu"})
  String device;

  private DareTrainer java;
  private DjlBatchEngine djl;
  private List<TrainingSample> samples;

  @Setup
  public void setup() {
    DareModel model =
        DareModel.create(
            DareConfig.builder()
                .variant(Variant.DARE)
                .maxHistory(length)
                .microBatchSize(batch)
                .build());
    samples = TrainStepBench.batch(batch, length, 1);
    if (engine.equals("java")) {
      java = model.trainer();
    } else {
      djl =
          new DjlBatchEngine(
              model.trainer().parameters(), device.equals("gpu") ? Device.gpu() : Device.cpu());
    }
  }

  @Benchmark
  public double step() {
    return java != null ? java.trainStep(samples).loss() : djl.trainStep(samples).loss();
  }

  @TearDown
  public void close() {
    if (djl != null) {
      djl.close();
    }
  }
}
