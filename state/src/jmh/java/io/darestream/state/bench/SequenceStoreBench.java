package io.darestream.state.bench;

import io.darestream.schemas.avro.BehaviorType;
import io.darestream.state.io.Fs;
import io.darestream.state.sequence.BehaviorCodes;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.SequenceLimits;
import io.darestream.state.sequence.SequenceStore;
import io.darestream.state.sequence.SequenceView;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Single-thread (per core) throughput of the serving sequence store: append, and read of the newest
 * 200; plus the in-state codec (deserialize + append + serialize at L = 200 and 2,000).
 *
 * <p>Run: {@code java -cp <test classpath> io.darestream.state.bench.SequenceStoreBench
 * [dir=/tmp/dare-seq-bench] [users=10000]}.
 */
public final class SequenceStoreBench {
  private SequenceStoreBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/dare-seq-bench");
    int users = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    byte click = BehaviorCodes.code(BehaviorType.CLICK);
    Fs.deleteTree(dir);
    SequenceLimits limits = SequenceLimits.builder().optMaxLength(2000).build();
    List<Double> appendRates = new ArrayList<>();
    List<Double> readRates = new ArrayList<>();
    try (SequenceStore store = SequenceStore.builder().setPath(dir).optLimits(limits).open()) {
      SplittableRandom rnd = new SplittableRandom(5);
      long[] clock = new long[users];
      java.util.Arrays.fill(clock, 1_700_000_000_000L);
      // warm-up fill: 300 behaviours per user, so reads of 200 cross blocks
      long t = System.nanoTime();
      int fill = 300;
      for (int k = 0; k < fill; k++) {
        for (int u = 0; u < users; u++) {
          clock[u] += 1000L * (1 + rnd.nextInt(60));
          store.append(u, 0, rnd.nextInt(1_000_000), rnd.nextInt(5000), clock[u], click);
        }
      }
      System.out.printf(
          "fill %d users x %d: %.0f appends/s%n",
          users, fill, users * (double) fill / ModelStoreBench.secondsSince(t));
      int ops = 200_000;
      for (int rep = 0; rep < 5; rep++) {
        t = System.nanoTime();
        for (int i = 0; i < ops; i++) {
          int u = rnd.nextInt(users);
          clock[u] += 1000L * (1 + rnd.nextInt(60));
          store.append(
              u, rnd.nextLong(), rnd.nextInt(1_000_000), rnd.nextInt(5000), clock[u], click);
        }
        appendRates.add(ops / ModelStoreBench.secondsSince(t));
        t = System.nanoTime();
        long sink = 0;
        for (int i = 0; i < ops / 4; i++) {
          SequenceView v = store.newest(rnd.nextInt(users), 200);
          sink += v.length();
        }
        readRates.add(ops / 4 / ModelStoreBench.secondsSince(t));
        if (sink != (long) ops / 4 * 200) {
          throw new IllegalStateException("short reads: " + sink);
        }
      }
    }
    System.out.printf(
        "sequence store append: median %.0f /s per thread%n", ModelStoreBench.median(appendRates));
    System.out.printf(
        "sequence store read newest 200: median %.0f /s per thread%n",
        ModelStoreBench.median(readRates));

    for (int length : new int[] {200, 2000}) {
      SequenceLimits l = SequenceLimits.builder().optMaxLength(length).build();
      BehaviorSequence seq = BehaviorSequence.create(l);
      SplittableRandom rnd = new SplittableRandom(9);
      long time = 1_700_000_000_000L;
      for (int i = 0; i < length; i++) {
        time += 1000L * (1 + rnd.nextInt(60));
        seq.append(rnd.nextLong(), rnd.nextInt(1_000_000), rnd.nextInt(5000), time, click);
      }
      byte[] bytes = seq.toBytes();
      List<Double> rates = new ArrayList<>();
      for (int rep = 0; rep < 5; rep++) {
        int ops = length == 200 ? 200_000 : 40_000;
        long t = System.nanoTime();
        for (int i = 0; i < ops; i++) {
          BehaviorSequence s = BehaviorSequence.fromBytes(bytes);
          time += 1000;
          s.append(rnd.nextLong(), rnd.nextInt(1_000_000), rnd.nextInt(5000), time, click);
          bytes = s.toBytes();
        }
        rates.add(ops / ModelStoreBench.secondsSince(t));
      }
      System.out.printf(
          "in-state codec at L=%d (deserialize + append + serialize): median %.0f /s per thread,"
              + " %d bytes%n",
          length, ModelStoreBench.median(rates), bytes.length);
    }
    Fs.deleteTree(dir);
  }
}
