package io.darestream.model.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The Java and the DJL batch engine in one JVM, step by step in turn (Java, DJL, Java, DJL ...),
 * each on its own copy of the same model and the same fixed batch ({@link BatchEngineBench}): on a
 * machine shared with other tenants separate runs differ by far more than the engines' gap, while a
 * pair of neighbouring steps sees the same load. Prints each engine's median step, samples/s, and
 * the median and quartiles of the per-pair ratio DJL/Java.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dai.djl.pytorch.num_threads=1 \
 *   -Dai.djl.pytorch.num_interop_threads=1 -cp &lt;model test classpath&gt; \
 *   io.darestream.model.bench.PairedBatchEngines [batch=256] [seconds=60] [device=cpu]
 * </pre>
 */
public final class PairedBatchEngines {
  private PairedBatchEngines() {}

  public static void main(String[] args) {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 60;
    String device = args.length > 2 ? args[2] : "cpu";
    BatchEngineBench java = bench("java", batch, device);
    BatchEngineBench djl = bench("djl", batch, device);
    // Warm-up: a fifth of the time, not counted.
    long warmEnd = System.nanoTime() + (long) (seconds * 0.2e9);
    while (System.nanoTime() < warmEnd) {
      java.step();
      djl.step();
    }
    List<Double> javaMs = new ArrayList<>();
    List<Double> djlMs = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    long end = System.nanoTime() + (long) (seconds * 0.8e9);
    while (System.nanoTime() < end || javaMs.size() < 5) {
      double j = timed(java);
      double d = timed(djl);
      javaMs.add(j);
      djlMs.add(d);
      ratios.add(d / j);
    }
    djl.close();
    double jm = quantile(javaMs, 0.5);
    double dm = quantile(djlMs, 0.5);
    System.out.printf(
        "batch %d, %s, %d pairs: Java %.2f ms = %.0f samples/s, DJL %.2f ms = %.0f samples/s,"
            + " DJL/Java per pair median %.2f (quartiles %.2f-%.2f)%n",
        batch,
        device,
        ratios.size(),
        jm,
        batch * 1000 / jm,
        dm,
        batch * 1000 / dm,
        quantile(ratios, 0.5),
        quantile(ratios, 0.25),
        quantile(ratios, 0.75));
  }

  private static BatchEngineBench bench(String engine, int batch, String device) {
    BatchEngineBench b = new BatchEngineBench();
    b.engine = engine;
    b.batch = batch;
    b.length = 200;
    b.device = device;
    b.setup();
    return b;
  }

  private static double timed(BatchEngineBench b) {
    long t = System.nanoTime();
    b.step();
    return (System.nanoTime() - t) / 1e6;
  }

  private static double quantile(List<Double> values, double q) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get((int) Math.min(sorted.size() - 1, Math.round(q * (sorted.size() - 1))));
  }
}
