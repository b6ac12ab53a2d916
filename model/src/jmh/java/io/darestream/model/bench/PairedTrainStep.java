package io.darestream.model.bench;

import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Two builds of the training step in one JVM, alternated block by block: each build's classes
 * (model, state, schemas and their dependencies) load in a class loader of their own and train
 * their own {@link TrainStepBench} on the same stream; blocks of steps of A and B alternate, so the
 * machine's drift (other tenants, frequency) falls on both alike. Separate JMH runs of the same
 * build differ by 10-20 % on this machine, which hides 5 % changes; paired blocks do not.
 *
 * <p>Reports each build's median step over all measured blocks and the median and quartiles of the
 * per-pair ratio B/A (block median of B over that of the A block before it). The first steps of a
 * block (the other model's rows just evicted this one's from cache) are not counted.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp model/target/test-classes:&lt;jmh&gt; \
 *   io.darestream.model.bench.PairedTrainStep &lt;classpath A&gt; &lt;classpath B&gt; \
 *   [seconds=120] [length=200] [variant=DARE] [input=stream] [auxA=off] [auxB=off]
 * </pre>
 *
 * <p>{@code auxA}/{@code auxB} set each side's {@code TrainStepBench.aux} ({@code off}, {@code
 * full}, {@code sampled}): with the same classpath twice, the cost of the auxiliary loss.
 */
public final class PairedTrainStep {
  private static final int BLOCK = 24;
  private static final int SKIP = 4;
  private static final double WARMUP_SECONDS = 40;

  private PairedTrainStep() {}

  /** One build: its bench instance and a handle on {@code trainStep}. */
  private static final class Build {
    final Object bench;
    final Method step;

    Build(String classpath, int length, String variant, String input, String aux) throws Exception {
      URLClassLoader loader =
          new URLClassLoader(urls(classpath), ClassLoader.getPlatformClassLoader());
      Class<?> type = loader.loadClass("io.darestream.model.bench.TrainStepBench");
      bench = type.getDeclaredConstructor().newInstance();
      set(type, "length", length);
      Class<?> variantType = loader.loadClass("io.darestream.model.Variant");
      set(type, "variant", variantType.getMethod("valueOf", String.class).invoke(null, variant));
      set(type, "input", input);
      if (!aux.equals("off")) {
        set(type, "aux", aux);
      }
      type.getMethod("setup").invoke(bench);
      step = type.getMethod("trainStep");
    }

    private void set(Class<?> type, String name, Object value) throws Exception {
      Field f = type.getDeclaredField(name);
      f.setAccessible(true);
      f.set(bench, value);
    }

    /** Runs a block; writes each step's nanoseconds into {@code out}. */
    void block(long[] out) throws Exception {
      for (int i = 0; i < out.length; i++) {
        long t0 = System.nanoTime();
        step.invoke(bench);
        out[i] = System.nanoTime() - t0;
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: PairedTrainStep <classpath A> <classpath B> [seconds] [length] [variant] [input]"
              + " [auxA] [auxB]");
      System.exit(2);
    }
    double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 120;
    int length = args.length > 3 ? Integer.parseInt(args[3]) : 200;
    String variant = args.length > 4 ? args[4] : "DARE";
    String input = args.length > 5 ? args[5] : "stream";
    String auxA = args.length > 6 ? args[6] : "off";
    String auxB = args.length > 7 ? args[7] : "off";
    Build a = new Build(args[0], length, variant, input, auxA);
    Build b = new Build(args[1], length, variant, input, auxB);
    long[] ta = new long[BLOCK];
    long[] tb = new long[BLOCK];
    long warmEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
    while (System.nanoTime() < warmEnd) {
      a.block(ta);
      b.block(tb);
    }
    List<Double> stepsA = new ArrayList<>();
    List<Double> stepsB = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    boolean aFirst = true;
    while (System.nanoTime() < end) {
      // Alternate which build goes first, so neither always follows the other's cache footprint.
      if (aFirst) {
        a.block(ta);
        b.block(tb);
      } else {
        b.block(tb);
        a.block(ta);
      }
      aFirst = !aFirst;
      double ma = median(counted(ta, stepsA));
      double mb = median(counted(tb, stepsB));
      ratios.add(mb / ma);
    }
    System.out.printf(
        Locale.ROOT,
        "L=%d %s %s, aux A=%s B=%s, %d block pairs of %d steps (first %d not counted)%n",
        length,
        variant,
        input,
        auxA,
        auxB,
        ratios.size(),
        BLOCK,
        SKIP);
    System.out.printf(Locale.ROOT, "A median step %.3f ms%n", median(stepsA) / 1e6);
    System.out.printf(Locale.ROOT, "B median step %.3f ms%n", median(stepsB) / 1e6);
    System.out.printf(
        Locale.ROOT,
        "B/A per pair: median %.3f, quartiles %.3f .. %.3f%n",
        median(ratios),
        quantile(ratios, 0.25),
        quantile(ratios, 0.75));
  }

  private static List<Double> counted(long[] block, List<Double> all) {
    List<Double> kept = new ArrayList<>();
    for (int i = SKIP; i < block.length; i++) {
      kept.add((double) block[i]);
    }
    all.addAll(kept);
    return kept;
  }

  private static double median(List<Double> x) {
    return quantile(x, 0.5);
  }

  private static double quantile(List<Double> x, double q) {
    double[] s = x.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(s);
    double pos = q * (s.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  }

  private static URL[] urls(String classpath) throws MalformedURLException {
    String[] parts = classpath.split(File.pathSeparator);
    URL[] out = new URL[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = new File(parts[i]).toURI().toURL();
    }
    return out;
  }
}
