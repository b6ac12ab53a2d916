package io.darestream.jobs.bench;

import io.darestream.jobs.sequence.BehaviorSequenceSerializer;
import io.darestream.jobs.sequence.TrainingSampleSerializer;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.SequenceLimits;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Write-then-read of the two hot serializers: training samples (every sample crosses the exchange
 * into the trainer) and sequences (every event reads and writes one in RocksDB). It uses only their
 * {@code INSTANCE}s, so the same file measures the serializers before and after they moved onto
 * {@code ValueSerializer} (copy it into a checkout of the older commit and run both).
 *
 * <p>A plain harness (this module has no JMH dependency): per serializer, warm-up rounds, then
 * timed rounds of one second; it prints the median and the fastest round in ns per value.
 * Arguments: history length / behaviours per sequence (default 50), timed rounds (default 10).
 */
public final class SerializerBench {
  private final DataOutputSerializer out = new DataOutputSerializer(64 * 1024);
  private final DataInputDeserializer in = new DataInputDeserializer();
  private final TrainingSample sample;
  private final BehaviorSequence sequence;
  private long sink;

  private SerializerBench(int length) {
    long[] items = new long[length];
    long[] categories = new long[length];
    sequence = BehaviorSequence.create(SequenceLimits.defaults());
    for (int i = 0; i < length; i++) {
      items[i] = 1_000_000L + 7919L * i;
      categories[i] = i % 19;
      sequence.append(
          i + 1, items[i], categories[i], 1_700_000_000_000L + 1000L * i, BehaviorType.CLICK);
    }
    sample =
        new TrainingSample(
            42, 4711, 3, 1, 1_700_000_000_000L, 1_700_000_000_005L, items, categories);
  }

  public static void main(String[] args) throws IOException {
    int length = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    SerializerBench bench = new SerializerBench(length);
    bench.report("TrainingSampleSerializer", rounds, bench::trainingSample);
    bench.report("BehaviorSequenceSerializer", rounds, bench::behaviorSequence);
    System.out.println("(sink " + bench.sink + ")");
  }

  private void trainingSample() throws IOException {
    out.clear();
    TrainingSampleSerializer.INSTANCE.serialize(sample, out);
    in.setBuffer(out.getSharedBuffer(), 0, out.length());
    sink += TrainingSampleSerializer.INSTANCE.deserialize(in).historyLength();
  }

  private void behaviorSequence() throws IOException {
    out.clear();
    BehaviorSequenceSerializer.INSTANCE.serialize(sequence, out);
    in.setBuffer(out.getSharedBuffer(), 0, out.length());
    sink += BehaviorSequenceSerializer.INSTANCE.deserialize(in).size();
  }

  private void report(String name, int rounds, Op op) throws IOException {
    for (int i = 0; i < 5; i++) {
      round(op);
    }
    double[] nsPerOp = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      nsPerOp[i] = round(op);
    }
    Arrays.sort(nsPerOp);
    System.out.printf(
        "%-28s median %8.1f ns/op, fastest %8.1f ns/op (%d rounds of 1 s)%n",
        name, nsPerOp[rounds / 2], nsPerOp[0], rounds);
  }

  /** Runs {@code op} for about a second; returns ns per call. */
  private static double round(Op op) throws IOException {
    long calls = 0;
    long start = System.nanoTime();
    long end = start + 1_000_000_000L;
    long now;
    do {
      for (int i = 0; i < 1000; i++) {
        op.run();
      }
      calls += 1000;
      now = System.nanoTime();
    } while (now < end);
    return (now - start) / (double) calls;
  }

  @FunctionalInterface
  private interface Op {
    void run() throws IOException;
  }
}
