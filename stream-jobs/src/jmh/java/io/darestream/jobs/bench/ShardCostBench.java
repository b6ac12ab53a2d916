package io.darestream.jobs.bench;

import io.darestream.jobs.shard.GradientBatch;
import io.darestream.jobs.shard.GradientBatchSerializer;
import io.darestream.jobs.shard.RowRouting;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.metrics.Auc;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.train.GradientWindow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Per-part costs of the sharded training stage, in one thread and in CPU time (so that a loaded
 * machine slows it down but does not skew it): the trainer's step with and without deferring the
 * row gradients (the single trainer's step is the latter), the window's drain and serialization
 * (bytes per sample on the trainer-to-owner edge), the owner's apply per row, the owner's delta
 * encoding per row, and a replica's decode + apply per published row. Samples: the generator's
 * click-only stream (default model, L = 200), each click a positive with one random negative. Not a
 * test; the figures and the projection built on them are in BENCHMARKS.md.
 *
 * <pre>
 * mvn -B -o -q -pl stream-jobs -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/sj-cp.txt -Dmdep.includeScope=test
 * java -Xmx2g --add-modules jdk.incubator.vector \
 *     -cp stream-jobs/target/test-classes:stream-jobs/target/classes:$(cat /tmp/sj-cp.txt) \
 *     io.darestream.jobs.bench.ShardCostBench 40000 700 7000   # samples, per window, per publish
 *     # then flags: "deferred": the replica does not apply its own row gradients;
 *     # "coalesce": row gradients summed per window (dare.trainer.coalesce-row-gradients)
 * </pre>
 */
public final class ShardCostBench {
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private ShardCostBench() {}

  public static void main(String[] args) {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 40_000;
    int perWindow = args.length > 1 ? Integer.parseInt(args[1]) : 700; // 100 ms at 7,000/s
    int perPublish = args.length > 2 ? Integer.parseInt(args[2]) : 7_000; // 1 s at 7,000/s
    // The sharded trainer applies its own row gradients to its replica at once (as the operator
    // does); "deferred" measures the replica that waits for the owners' rows instead.
    List<String> flags =
        java.util.Arrays.asList(args).subList(Math.min(3, args.length), args.length);
    boolean localApply = !flags.contains("deferred");
    // "coalesce": one summed entry per row and window (dare.trainer.coalesce-row-gradients).
    boolean coalesce = flags.contains("coalesce");
    List<TrainingSample> samples = samples(total);
    DareConfig cfg = DareConfig.builder().build();
    int batch = 64;

    DareModel single = DareModel.create(cfg);
    DareModel replica = DareModel.create(cfg);
    DareModel owner = DareModel.create(cfg);
    List<EmbeddingTable> ownerTables = owner.tables();
    GradientWindow window = new GradientWindow(replica.tables(), 1 << 20, coalesce);
    RowRouting routing = new RowRouting(128);
    DataOutputSerializer out = new DataOutputSerializer(1 << 20);

    long singleNs = 0;
    long trainerNs = 0;
    long drainNs = 0;
    long ownerNs = 0;
    long encodeNs = 0;
    long replicaNs = 0;
    long decodeNs = 0;
    long gradientBytes = 0;
    long gradientRows = 0;
    long deltaRows = 0;
    long deltaBytes = 0;
    int warmUp = Math.min(total / 4, 10_000);
    long measured = 0;
    List<GradientBatch> pending = new ArrayList<>();
    float[] singleScores = new float[total];
    float[] shardedScores = new float[total];
    int[] labels = new int[total];
    int scored = 0;
    for (int start = 0; start + batch <= total; start += batch) {
      List<TrainingSample> b = samples.subList(start, start + batch);
      boolean count = start >= warmUp;
      long newest = b.get(b.size() - 1).eventTimeMs();

      long t0 = cpu();
      float[] singlePredictions = single.trainBatch(b).predictions();
      long t1 = cpu();
      float[] shardedPredictions =
          replica
              .trainBatch(
                  b,
                  rows -> {
                    window.add(rows, newest, -1, -1);
                    if (localApply) {
                      rows.apply(newest);
                    }
                  })
              .predictions();
      long t2 = cpu();
      for (int i = 0; i < b.size(); i++) {
        singleScores[scored] = singlePredictions[i];
        shardedScores[scored] = shardedPredictions[i];
        labels[scored++] = b.get(i).label();
      }
      if (count) {
        singleNs += t1 - t0;
        trainerNs += t2 - t1;
        measured += batch;
      }
      int done = start + batch;
      if (done % perWindow < batch) {
        long t3 = cpu();
        pending.clear();
        window.drain(
            routing::keyGroupOf,
            routing.maxParallelism(),
            (t, g, ids, c, s) -> pending.add(new GradientBatch(g, t, ids, c, s, newest, -1, -1)));
        long bytes = 0;
        for (GradientBatch gb : pending) {
          out.clear();
          try {
            GradientBatchSerializer.INSTANCE.serialize(gb, out);
          } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
          }
          bytes += out.length();
        }
        long t4 = cpu();
        int rows = 0;
        for (GradientBatch gb : pending) {
          EmbeddingTable table = ownerTables.get(gb.table());
          owner.exclusive(
              () ->
                  table.applyGradients(
                      gb.ids(), null, gb.sums(), gb.contributions(), gb.size(), newest));
          rows += gb.size();
        }
        long t5 = cpu();
        if (count) {
          drainNs += t4 - t3;
          ownerNs += t5 - t4;
          gradientBytes += bytes;
          gradientRows += rows;
        }
      }
      if (done % perPublish < batch) {
        long t6 = cpu();
        List<ModelDelta> deltas =
            ModelDeltas.drainChangedRows(
                owner, new DeltaStamp("bench", 1, done, newest, -1, -1, 0), 2048);
        List<byte[]> encoded = new ArrayList<>();
        for (ModelDelta d : deltas) {
          encoded.add(Codecs.MODEL_DELTA.encode(d));
        }
        long t7 = cpu();
        List<ModelDelta> decoded = new ArrayList<>(encoded.size());
        for (byte[] e : encoded) {
          decoded.add(Codecs.MODEL_DELTA.decode(e));
          if (count) {
            deltaBytes += e.length;
          }
        }
        long t7b = cpu();
        long rows = 0;
        for (ModelDelta d : decoded) {
          rows += ModelDeltas.apply(replica, d);
        }
        long t8 = cpu();
        if (count) {
          encodeNs += t7 - t6;
          replicaNs += t8 - t7;
          decodeNs += t7b - t7;
          deltaRows += rows;
        }
      }
    }
    System.out.printf(
        "BENCH shard costs: %d samples measured (L = 200 default model, micro-batch %d, window"
            + " %d samples, publish every %d, row gradients %s)%n",
        measured,
        batch,
        perWindow,
        perPublish,
        coalesce ? "coalesced per window" : "one entry per micro-batch");
    System.out.printf("  single trainer step        %8.1f us/sample%n", singleNs / 1e3 / measured);
    System.out.printf(
        "  sharded trainer step       %8.1f us/sample (gradients into the window%s)%n",
        trainerNs / 1e3 / measured,
        localApply ? " and applied to the replica" : ", replica waits for the owners");
    System.out.printf(
        "  window drain + serialize   %8.2f us/sample; %.1f gradient rows/sample, %.0f bytes/sample%n",
        drainNs / 1e3 / measured,
        (double) gradientRows / measured,
        (double) gradientBytes / measured);
    System.out.printf(
        "  owner apply                %8.3f us/row = %.2f us/sample%n",
        ownerNs / 1e3 / Math.max(1, gradientRows), ownerNs / 1e3 / measured);
    System.out.printf(
        "  owner delta encode         %8.3f us/row; %.2f published rows/sample, %.0f bytes/sample%n",
        encodeNs / 1e3 / Math.max(1, deltaRows),
        (double) deltaRows / measured,
        (double) deltaBytes / measured);
    System.out.printf(
        "  replica decode + apply     %8.3f us/row = %.2f us/sample (per replica; Avro decode"
            + " %.3f us/row of it)%n",
        replicaNs / 1e3 / Math.max(1, deltaRows),
        replicaNs / 1e3 / measured,
        decodeNs / 1e3 / Math.max(1, deltaRows));
    int last = Math.max(0, scored - 10_000);
    System.out.printf(
        "  prequential AUC all / last 10,000: single %.4f / %.4f, sharded N = 1 %.4f / %.4f%n",
        Auc.compute(singleScores, labels, scored),
        auc(singleScores, labels, last, scored),
        Auc.compute(shardedScores, labels, scored),
        auc(shardedScores, labels, last, scored));
  }

  private static double auc(float[] scores, int[] labels, int from, int to) {
    return Auc.compute(
        java.util.Arrays.copyOfRange(scores, from, to),
        java.util.Arrays.copyOfRange(labels, from, to),
        to - from);
  }

  private static long cpu() {
    return CPU.getCurrentThreadCpuTime();
  }

  private static List<TrainingSample> samples(int n) {
    List<TrainingSample> out = new ArrayList<>(n);
    ClickSamples it = new ClickSamples();
    while (out.size() < n && it.hasNext()) {
      out.add(it.next());
    }
    return out;
  }
}
