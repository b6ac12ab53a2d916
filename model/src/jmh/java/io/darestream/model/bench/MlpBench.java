package io.darestream.model.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.darestream.model.nn.DenseAdam;
import io.darestream.model.nn.DenseGradient;
import io.darestream.model.nn.DenseParameters;
import io.darestream.model.nn.Mlp;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The dense part of a training step, plain Java against DJL (PyTorch CPU): MLP 144 -> 200 -> 80 ->
 * 1 with PReLU, batch 256, forward, BCE, backward including dL/dx (the embeddings need it back in
 * Java), Adam. Decides DESIGN.md section 4's "DJL where it measures faster". (The MLP before the
 * row layout, 15.5 ms here in round 7, was compared as {@code legacyJavaStep}; it is in git, e.g.
 * at commit 0012ffa.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class MlpBench {
  private static final int B = 256;
  private static final int IN = 144;

  private float[] x;
  private float[] labels;
  private Mlp mlp;
  private DenseParameters params;
  private DenseGradient grad;
  private DenseAdam adam;
  private float[] dLogits;
  private float[] dx;

  private NDManager manager;
  private List<NDArray> djlParams;
  private List<NDArray> moments;
  private int djlStep;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    x = new float[B * IN];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian() * 0.1f;
    }
    labels = new float[B];
    for (int i = 0; i < B; i++) {
      labels[i] = r.nextInt(2);
    }
    params = new DenseParameters();
    mlp = new Mlp(params, IN, new int[] {200, 80}, B, r);
    grad = new DenseGradient(params);
    adam = new DenseAdam(1e-3f);
    dLogits = new float[B];
    dx = new float[B * IN];

    manager = NDManager.newBaseManager("PyTorch");
    djlParams = new ArrayList<>();
    int[][] shapes = {{IN, 200}, {200}, {200}, {200, 80}, {80}, {80}, {80, 1}, {1}};
    for (int[] s : shapes) {
      long[] dims = new long[s.length];
      for (int i = 0; i < s.length; i++) {
        dims[i] = s[i];
      }
      NDArray p = manager.randomNormal(new Shape(dims)).mul(0.05f);
      p.setRequiresGradient(true);
      djlParams.add(p);
    }
    moments = new ArrayList<>();
    for (NDArray p : djlParams) {
      moments.add(manager.zeros(p.getShape()));
      moments.add(manager.zeros(p.getShape()));
    }
  }

  @TearDown
  public void tearDown() {
    manager.close();
  }

  @Benchmark
  public float javaStep() {
    float[] logits = mlp.forward(x, B);
    for (int b = 0; b < B; b++) {
      float p = (float) (1 / (1 + Math.exp(-logits[b])));
      dLogits[b] = (p - labels[b]) / B;
    }
    grad.clear();
    mlp.backward(dLogits, grad, dx);
    adam.step(params, grad);
    return dx[0];
  }

  @Benchmark
  public float djlStep() {
    float[] dxOut;
    try (NDManager sub = manager.newSubManager()) {
      NDArray input = sub.create(x, new Shape(B, IN));
      input.setRequiresGradient(true);
      NDArray y = sub.create(labels, new Shape(B, 1));
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray h = input;
        for (int l = 0; l < 2; l++) {
          NDArray z = h.matMul(djlParams.get(3 * l)).add(djlParams.get(3 * l + 1));
          h = z.maximum(0f).add(z.minimum(0f).mul(djlParams.get(3 * l + 2)));
        }
        NDArray logit = h.matMul(djlParams.get(6)).add(djlParams.get(7));
        NDArray loss =
            logit.maximum(0f).sub(logit.mul(y)).add(logit.abs().neg().exp().add(1f).log()).mean();
        gc.backward(loss);
      }
      dxOut = input.getGradient().toFloatArray();
      djlStep++;
      float c1 = 1f / (1f - (float) Math.pow(0.9, djlStep));
      float c2 = 1f / (1f - (float) Math.pow(0.999, djlStep));
      for (int i = 0; i < djlParams.size(); i++) {
        NDArray p = djlParams.get(i);
        NDArray g = p.getGradient();
        NDArray m = moments.get(2 * i);
        NDArray v = moments.get(2 * i + 1);
        m.muli(0.9f).addi(g.mul(0.1f));
        v.muli(0.999f).addi(g.square().muli(0.001f));
        p.subi(m.mul(1e-3f * c1).divi(v.mul(c2).sqrt().addi(1e-8f)));
      }
    }
    return dxOut[0];
  }
}
