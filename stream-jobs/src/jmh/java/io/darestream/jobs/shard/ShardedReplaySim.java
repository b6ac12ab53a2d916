package io.darestream.jobs.shard;

import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.eval.OnlineReplay;
import io.darestream.model.eval.Sequences;
import io.darestream.model.eval.UserSequence;
import io.darestream.model.metrics.Auc;
import io.darestream.model.sampling.ClickOnlyLabels;
import io.darestream.model.sampling.NegativeSampler;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.train.GradientWindow;
import io.darestream.model.train.RowGradients;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.serde.Codecs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * A deterministic, single-thread, timing-free replay of the sharded training stage, to attribute
 * the quality gap of N trainers to its mechanisms one at a time. Not a test (a long run; the
 * figures are in MODEL.md "Parallel training").
 *
 * <p>One pass of online samples (MovieLens or the generator, labelled as the job labels them: click
 * only, one negative, warm minimum 1, the job's sampler seed), in stream order, each routed to the
 * trainer subtask Flink's {@code keyBy(user)} gives it ({@link
 * KeyGroupRangeAssignment#assignKeyToParallelOperator}). Each trainer has its own replica model
 * (rows + dense copy with its own Adam), trains micro-batches of the job's size (a partial batch
 * after the job's max wait), applies its own row gradients at once and records them in the real
 * {@link OwnWriteLedger}, and sends its {@link GradientWindow} to the owner. One owner model holds
 * every row with its optimizer slots (equivalent to N owners publishing together) and publishes the
 * changed rows with the trainers' acknowledged windows; every replica reads them through the real
 * {@link ReplicaFeed#handle} (order, rebase, acknowledgements). Dense: the real {@link
 * SentDenseCopies} and {@link DenseProgressSum}, G delivered through the feed too.
 *
 * <p>Time is counted in samples of the stream: the windows flush every W samples, the owner
 * publishes every P, the trainers send dense progress every D, and what is published reaches the
 * replicas LAG samples later. So a run is deterministic, and the same samples in the same order
 * feed every variant and the single trainer (one model, batches of the job's size in stream order)
 * that every variant is compared with. Prequential AUC: pooled, and per trainer beside the single
 * trainer's AUC on the same trainer's samples.
 *
 * <pre>
 * mvn -B -o -q -pl stream-jobs -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/sj-cp.txt -Dmdep.includeScope=test
 * java -Xmx3g --add-modules jdk.incubator.vector \
 *     -cp stream-jobs/target/test-classes:stream-jobs/target/classes:$(cat /tmp/sj-cp.txt) \
 *     io.darestream.jobs.shard.ShardedReplaySim movielens:../shared/data/movielens-latest-small 1 \
 *     N=1 N=2 N=2,mode=shared N=2,D=64
 * # data: movielens:DIR or generator:USERS,ITEMS,PER_USER; then the model seed; then variants, each
 * # comma-separated key=value (defaults = the job's at ~7,000 samples/s):
 * #   N=2  W=700  P=7000  D=7000  (samples; 0 = after every micro-batch)
 * #   LAG=0  DLAG=LAG       samples from a publish of rows (dense) to the replicas; the job's
 * #                         broker round trip is about 700 (100 ms): MODEL.md's "job settings"
 * #   mode=sharded|shared   shared: one model for every trainer (only the batches are split)
 * #   local=on|off          the replica applies its own row gradients at once
 * #   rebase=on|off         owners' rows rebased on the unacknowledged own changes
 * #   owners=on|off         the replicas take the owners' rows
 * #   slots=replica|owner   owner: every published row brings the owner's optimizer slots too
 * #   dense=average|sum|weighted|none  how the averager folds progress (weighted: by each
 * #     trainer's share of the round's samples; none: never merged)
 * #   coalesce=on|off       one summed entry per row and window
 * #   instant=T1+T2         the owners' rows of these tables reach the replicas without LAG
 * #   dlr=1  slr=1          the dense (and attention) / sparse learning rates of this run, times
 * </pre>
 */
public final class ShardedReplaySim {
  private static final String MODEL_ID = "sim";
  private static final long EPOCH = 1;
  private static final int LAST = 10_000;

  private ShardedReplaySim() {}

  /** One variant's switches. */
  record Variant(
      String name,
      int n,
      int windowEvery,
      int publishEvery,
      int denseEvery,
      int lag,
      int denseLag,
      boolean shared,
      boolean localApply,
      boolean rebase,
      boolean ownersRows,
      boolean ownerSlots,
      String dense,
      boolean coalesce,
      List<String> instantTables,
      float denseLrScale,
      float sparseLrScale) {

    static Variant parse(String spec) {
      Map<String, String> kv = new LinkedHashMap<>();
      for (String part : spec.split(",")) {
        String[] p = part.split("=", 2);
        if (p.length != 2) {
          throw new IllegalArgumentException("variant part " + part + " is not key=value");
        }
        kv.put(p[0], p[1]);
      }
      Variant v =
          new Variant(
              spec,
              Integer.parseInt(kv.remove("N")),
              Integer.parseInt(kv.getOrDefault("W", "700")),
              Integer.parseInt(kv.getOrDefault("P", "7000")),
              Integer.parseInt(kv.getOrDefault("D", "7000")),
              Integer.parseInt(kv.getOrDefault("LAG", "0")),
              Integer.parseInt(kv.getOrDefault("DLAG", kv.getOrDefault("LAG", "0"))),
              kv.getOrDefault("mode", "sharded").equals("shared"),
              on(kv.getOrDefault("local", "on")),
              on(kv.getOrDefault("rebase", "on")),
              on(kv.getOrDefault("owners", "on")),
              kv.getOrDefault("slots", "replica").equals("owner"),
              kv.getOrDefault("dense", "average"),
              on(kv.getOrDefault("coalesce", "off")),
              kv.containsKey("instant") ? Arrays.asList(kv.get("instant").split("\\+")) : List.of(),
              Float.parseFloat(kv.getOrDefault("dlr", "1")),
              Float.parseFloat(kv.getOrDefault("slr", "1")));
      kv.keySet()
          .removeAll(List.of("W", "P", "D", "LAG", "DLAG", "mode", "local", "rebase", "owners"));
      kv.keySet().removeAll(List.of("slots", "dense", "coalesce", "instant", "dlr", "slr"));
      if (!kv.isEmpty()) {
        throw new IllegalArgumentException("unknown variant keys " + kv.keySet());
      }
      return v;
    }

    private static boolean on(String s) {
      if (!s.equals("on") && !s.equals("off")) {
        throw new IllegalArgumentException("expected on or off, got " + s);
      }
      return s.equals("on");
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      throw new IllegalArgumentException(
          "usage: ShardedReplaySim movielens:DIR|generator:U,I,B SEED VARIANT...");
    }
    long seed = Long.parseLong(args[1]);
    Configuration conf = new Configuration();
    conf.set(ModelOptions.SEED, seed);
    TrainerOptions trainerOptions = TrainerOptions.from(conf);
    DareConfig cfg = ModelOptions.from(conf, trainerOptions).config();
    List<TrainingSample> samples = samples(args[0], cfg.maxHistory());
    int batch = trainerOptions.microBatchSize();
    // The job's max wait (200 ms) at ~7,000 samples/s.
    int maxWait = (int) (trainerOptions.maxWait().toMillis() * 7);
    System.out.printf(
        "SIM %s seed %d: %d samples, micro-batch %d, max wait %d samples, L = %d%n",
        args[0], seed, samples.size(), batch, maxWait, cfg.maxHistory());

    checkInitialRows(cfg, samples);
    float[] single = single(cfg, samples, batch);
    System.out.printf(
        "  single trainer                     AUC %.4f / last 10,000 %.4f%n",
        auc(single, samples, 0, samples.size(), null, -1),
        auc(single, samples, Math.max(0, samples.size() - LAST), samples.size(), null, -1));
    for (int a = 2; a < args.length; a++) {
      Variant v = Variant.parse(args[a]);
      int[] trainerOf = new int[samples.size()];
      float[] scores = new Run(v, cfg, trainerOptions, batch, maxWait).replay(samples, trainerOf);
      int from = Math.max(0, samples.size() - LAST);
      double all = auc(scores, samples, 0, samples.size(), null, -1);
      double last = auc(scores, samples, from, samples.size(), null, -1);
      System.out.printf(
          "  %-34s AUC %.4f / last 10,000 %.4f (%+.2f / %+.2f points)%n",
          v.name(),
          all,
          last,
          100 * (all - auc(single, samples, 0, samples.size(), null, -1)),
          100 * (last - auc(single, samples, from, samples.size(), null, -1)));
      StringBuilder buckets = new StringBuilder("    by tenth of the stream (points vs single):");
      for (int b = 0; b < 10; b++) {
        int lo = (int) ((long) samples.size() * b / 10);
        int hi = (int) ((long) samples.size() * (b + 1) / 10);
        buckets.append(
            String.format(
                " %+.1f",
                100
                    * (auc(scores, samples, lo, hi, null, -1)
                        - auc(single, samples, lo, hi, null, -1))));
      }
      System.out.println(buckets);
      if (v.n() > 1) {
        StringBuilder per = new StringBuilder("    per trainer (own / single on its samples):");
        for (int t = 0; t < v.n(); t++) {
          int count = 0;
          for (int s : trainerOf) {
            count += s == t ? 1 : 0;
          }
          per.append(
              String.format(
                  " #%d %d samples %.4f / %.4f;",
                  t,
                  count,
                  auc(scores, samples, 0, samples.size(), trainerOf, t),
                  auc(single, samples, 0, samples.size(), trainerOf, t)));
        }
        System.out.println(per);
      }
    }
  }

  /**
   * A new row must start from the same values in every replica and in the owner (the rebase adds
   * the replica's changes to the owner's row): checks it for every id of the stream in every table
   * (replicas: the job's config; owner: its admit-everything config).
   */
  private static void checkInitialRows(DareConfig cfg, List<TrainingSample> samples) {
    DareModel replica = DareModel.create(cfg);
    DareModel owner = DareModel.create(OwnerAdmission.tablesAdmitEverything(cfg));
    java.util.Set<Long> ids = new java.util.HashSet<>();
    for (TrainingSample s : samples) {
      ids.add(s.targetItem());
      ids.add(s.targetCategory());
    }
    for (long position = 0; position <= cfg.maxHistory(); position++) {
      ids.add(position);
    }
    long checked = 0;
    for (EmbeddingTable t : replica.tables()) {
      EmbeddingTable o = owner.table(t.name());
      float[] a = new float[t.dim()];
      float[] b = new float[t.dim()];
      for (long id : ids) {
        t.initialWeights(id, a, 0);
        o.initialWeights(id, b, 0);
        if (!Arrays.equals(a, b)) {
          throw new IllegalStateException("row " + id + " of " + t.name() + " starts apart");
        }
        checked++;
      }
    }
    System.out.printf(
        "  initial rows: replica and owner equal for %d (table, id) pairs%n", checked);
  }

  /** The single trainer: one model, micro-batches of {@code batch} in stream order. */
  private static float[] single(DareConfig cfg, List<TrainingSample> samples, int batch) {
    DareModel model = DareModel.create(cfg);
    float[] out = new float[samples.size()];
    for (int start = 0; start < samples.size(); start += batch) {
      int end = Math.min(samples.size(), start + batch);
      float[] p = model.trainBatch(samples.subList(start, end)).predictions();
      System.arraycopy(p, 0, out, start, p.length);
    }
    return out;
  }

  /** One variant's run: N trainers, one owner, the averager. */
  private static final class Run {
    private final Variant v;
    private final int batch;
    private final int maxWait;
    private final RowRouting routing;
    private final List<Trainer> trainers = new ArrayList<>();
    private final DareModel owner;
    private final DareModel averagerModel;
    private final DenseProgressSum averager;
    private final long[] acknowledged;
    // By due sample, then in publish order (a broker keeps each writer's order).
    private final PriorityQueue<Delivery> inFlight =
        new PriorityQueue<>(
            Comparator.comparingLong(Delivery::due).thenComparingLong(Delivery::sequence));
    private long sent;
    private long version;
    private long newestEventTimeMs = -1;
    private long denseRound;

    private record Delivery(long due, long sequence, byte[] record) {}

    Run(Variant v, DareConfig jobConfig, TrainerOptions options, int batch, int maxWait) {
      DareConfig cfg =
          jobConfig.toBuilder()
              .denseLearningRate(jobConfig.denseLearningRate() * v.denseLrScale())
              .attentionLearningRate(jobConfig.attentionLearningRate() * v.denseLrScale())
              .exactMatchLearningRate(jobConfig.exactMatchLearningRate() * v.denseLrScale())
              .sparseLearningRate(jobConfig.sparseLearningRate() * v.sparseLrScale())
              .build();
      this.v = v;
      this.batch = batch;
      this.maxWait = maxWait;
      this.routing = new RowRouting(options.maxParallelism());
      DareModel sharedModel = v.shared() ? DareModel.create(cfg) : null;
      for (int t = 0; t < v.n(); t++) {
        trainers.add(
            new Trainer(t, sharedModel != null ? sharedModel : DareModel.create(cfg), options, v));
      }
      this.owner = DareModel.create(OwnerAdmission.tablesAdmitEverything(cfg));
      this.averagerModel = DareModel.create(cfg);
      float[] initial = ShardedTrainerOperator.flatDense(averagerModel);
      float scale = v.dense().equals("sum") ? 1f : 1f / v.n();
      this.averager = new DenseProgressSum(v.n(), 16, scale, initial);
      this.acknowledged = new long[v.n()];
      if (!v.shared()) {
        publishDense(0, initial, 0);
      }
    }

    float[] replay(List<TrainingSample> samples, int[] trainerOf) {
      float[] scores = new float[samples.size()];
      int maxP = routing.maxParallelism();
      try {
        for (int i = 0; i < samples.size(); i++) {
          TrainingSample s = samples.get(i);
          int t = KeyGroupRangeAssignment.assignKeyToParallelOperator(s.userId(), maxP, v.n());
          trainerOf[i] = t;
          Trainer tr = trainers.get(t);
          if (tr.pending.isEmpty()) {
            tr.firstPendingAt = i;
          }
          tr.pending.add(s);
          tr.pendingAt.add(i);
          deliver(i);
          if (tr.pending.size() >= batch) {
            train(tr, scores, i);
          }
          long tick = i + 1L;
          for (Trainer other : trainers) {
            if (!other.pending.isEmpty() && tick - other.firstPendingAt >= maxWait) {
              train(other, scores, i);
            }
          }
          if (!v.shared()) {
            if (v.windowEvery() > 0 && tick % v.windowEvery() == 0) {
              trainers.forEach(this::flushWindow);
            }
            if (v.publishEvery() > 0 && tick % v.publishEvery() == 0) {
              publishRows(i);
            }
            if (v.denseEvery() > 0 && tick % v.denseEvery() == 0) {
              sendDense(i);
            }
          }
        }
        for (Trainer tr : trainers) {
          train(tr, scores, samples.size());
        }
        return scores;
      } finally {
        trainers.forEach(Trainer::close);
      }
    }

    private void train(Trainer tr, float[] scores, int now) {
      if (tr.pending.isEmpty()) {
        return;
      }
      if (!v.shared()) {
        adoptDenseAverage(tr);
      }
      long newest = Long.MIN_VALUE;
      for (TrainingSample s : tr.pending) {
        newest = Math.max(newest, s.eventTimeMs());
      }
      long newestEvent = newest;
      float[] p;
      if (v.shared()) {
        p = tr.replica.trainBatch(tr.pending).predictions();
      } else {
        p =
            tr.replica
                .trainBatch(
                    tr.pending,
                    rows -> {
                      tr.window.add(rows, newestEvent, -1, -1);
                      if (v.localApply()) {
                        applyOwnWrites(tr, rows, newestEvent);
                      }
                    })
                .predictions();
      }
      for (int k = 0; k < p.length; k++) {
        scores[tr.pendingAt.get(k)] = p[k];
      }
      tr.samplesSinceDense += p.length;
      tr.pending.clear();
      tr.pendingAt.clear();
      if (v.shared()) {
        return;
      }
      // 0: the window goes after every micro-batch; the owner publishes (and the dense progress
      // goes) after every micro-batch too.
      if (v.windowEvery() == 0 || tr.window.full()) {
        flushWindow(tr);
      }
      if (v.publishEvery() == 0) {
        publishRows(now);
      }
      if (v.denseEvery() == 0) {
        sendDense(now);
      }
    }

    /** The operator's local apply ({@link OwnRowWrites}), each row's change into the ledger. */
    private void applyOwnWrites(Trainer tr, RowGradients rows, long nowMs) {
      OwnRowWrites.apply(
          rows,
          nowMs,
          tr.tableIndex,
          (t, id, delta, offset) -> {
            if (v.rebase()) {
              tr.ownWrites.record(t, id, 0, tr.windowNumber, delta, offset);
            }
          });
    }

    /** The trainer's window to the owner, which applies it at once (one owner holds every row). */
    private void flushWindow(Trainer tr) {
      if (tr.window.isEmpty()) {
        return;
      }
      long number = tr.windowNumber++;
      long now = tr.window.newestEventTimeMs();
      List<EmbeddingTable> tables = owner.tables();
      tr.window.drain(
          routing::keyGroupOf,
          routing.maxParallelism(),
          (table, group, ids, contributions, sums) -> {
            GradientBatch b =
                FiniteGradients.finiteRows(
                    new GradientBatch(
                        group,
                        table,
                        ids,
                        contributions,
                        sums,
                        now,
                        -1,
                        -1,
                        tr.index,
                        number,
                        false));
            if (b != null) {
              EmbeddingTable target = tables.get(b.table());
              owner.exclusive(
                  () ->
                      target.applyGradients(
                          b.ids(), null, b.sums(), b.contributions(), b.size(), now));
            }
          });
      acknowledged[tr.index] = Math.max(acknowledged[tr.index], number);
      newestEventTimeMs = Math.max(newestEventTimeMs, now);
      tr.replica.withoutWriters(
          () -> {
            for (EmbeddingTable t : tr.replica.tables()) {
              t.dirty().drainSinceFlush();
              t.dirty().drainSincePublish();
            }
          });
      tr.replica.exclusive(() -> tr.ownWrites.sweep());
    }

    /** The owner's publish: changed rows with every trainer's acknowledged window. */
    private void publishRows(int now) {
      version++;
      DeltaStamp stamp =
          new DeltaStamp(
              MODEL_ID, EPOCH, version, newestEventTimeMs, -1, -1, now, 1, acknowledged.clone());
      List<ModelDelta> deltas = ModelDeltas.drainChangedRows(owner, stamp, 2048);
      if (!v.ownersRows()) {
        return;
      }
      for (ModelDelta d : deltas) {
        int lag = v.instantTables().contains(d.getTable()) ? 0 : v.lag();
        inFlight.add(new Delivery(now + lag, sent++, Codecs.MODEL_DELTA.encode(d)));
      }
      deliver(now);
    }

    private void sendDense(int now) {
      denseRound++;
      long roundSamples = 0;
      for (Trainer tr : trainers) {
        roundSamples += tr.samplesSinceDense;
      }
      for (Trainer tr : trainers) {
        adoptDenseAverage(tr);
        SentDenseCopies.Progress p =
            tr.sentCopies.send(ShardedTrainerOperator.flatDense(tr.replica), denseRound);
        float[] values = p.values();
        if (v.dense().equals("weighted")) {
          // Each trainer's progress weighted by its share of the round's samples: the averager's
          // 1/N times N * n_i / sum(n) is n_i / sum(n).
          float w = roundSamples == 0 ? 1f : (float) v.n() * tr.samplesSinceDense / roundSamples;
          for (int k = 0; k < values.length; k++) {
            values[k] *= w;
          }
        }
        tr.samplesSinceDense = 0;
        if (v.dense().equals("none")) {
          continue;
        }
        DenseProgressSum.Result r = averager.add(new DenseProgress(tr.index, p.round(), values));
        if (r != null) {
          publishDense(r.version(), r.values(), now);
        }
      }
    }

    private void publishDense(long round, float[] flat, int now) {
      int o = 0;
      for (String name : averagerModel.dense().names()) {
        int size = averagerModel.dense().block(name).size();
        averagerModel.writeDense(new DenseBlock(name, Arrays.copyOfRange(flat, o, o + size)));
        o += size;
      }
      for (ModelDelta d :
          ModelDeltas.denseBlocks(
              averagerModel, new DeltaStamp(MODEL_ID, EPOCH, round, -1, -1, -1, now))) {
        inFlight.add(new Delivery(now + v.denseLag(), sent++, Codecs.MODEL_DELTA.encode(d)));
      }
      deliver(now);
    }

    /** Every record due by {@code now} to every replica, through the real feed's handling. */
    private void deliver(long now) {
      while (!inFlight.isEmpty() && inFlight.peek().due() <= now) {
        byte[] record = inFlight.poll().record();
        for (Trainer tr : trainers) {
          tr.feed.handle(record);
          if (v.ownerSlots()) {
            copyOwnerSlots(tr, record);
          }
        }
      }
    }

    /** The owner's optimizer slots of the record's rows into the replica (weights kept). */
    private void copyOwnerSlots(Trainer tr, byte[] record) {
      ModelDelta d = Codecs.MODEL_DELTA.decode(record);
      if (d.getTable().startsWith(ModelDeltas.DENSE_PREFIX)) {
        return;
      }
      EmbeddingTable from = owner.table(d.getTable());
      EmbeddingTable to = tr.replica.table(d.getTable());
      float[] full = new float[from.rowWidth()];
      for (var row : d.getRows()) {
        long id = row.getId();
        if (from.readRow(id, full) && to.contains(id)) {
          to.copyWeights(id, full, 0);
          to.writeRow(id, full);
        }
      }
    }

    /** ShardedTrainerOperator.adoptDenseAverage: {@code own += G - copy of its round}. */
    private void adoptDenseAverage(Trainer tr) {
      ReplicaFeed.DenseAverage avg = tr.feed.takeDenseAverage();
      if (avg == null) {
        return;
      }
      List<String> names = tr.replica.dense().names();
      float[] average = new float[ShardedTrainerOperator.flatDense(tr.replica).length];
      int a = 0;
      for (String name : names) {
        float[] block = avg.blocks().get(name);
        System.arraycopy(block, 0, average, a, block.length);
        a += block.length;
      }
      float[] delta = tr.sentCopies.correction(avg.version(), average);
      if (delta == null) {
        return;
      }
      int o = 0;
      for (String name : names) {
        float[] own = tr.replica.dense().block(name).values();
        for (int i = 0; i < own.length; i++) {
          own[i] += delta[o + i];
        }
        o += own.length;
        tr.replica.writeDense(new DenseBlock(name, own));
      }
    }
  }

  /** One trainer subtask's state. */
  private static final class Trainer {
    final int index;
    final DareModel replica;
    final GradientWindow window;
    final OwnWriteLedger ownWrites;
    final ReplicaFeed feed;
    final SentDenseCopies sentCopies;
    final Map<EmbeddingTable, Integer> tableIndex = new IdentityHashMap<>();
    final List<TrainingSample> pending = new ArrayList<>();
    final List<Integer> pendingAt = new ArrayList<>();
    long windowNumber = 1;
    int firstPendingAt;
    long samplesSinceDense;

    Trainer(int index, DareModel replica, TrainerOptions options, Variant v) {
      this.index = index;
      this.replica = replica;
      List<EmbeddingTable> tables = replica.tables();
      int[] dims = new int[tables.size()];
      for (int t = 0; t < dims.length; t++) {
        dims[t] = tables.get(t).dim();
        tableIndex.put(tables.get(t), t);
      }
      this.window = new GradientWindow(tables, options.gradientWindowRows(), v.coalesce());
      this.ownWrites = new OwnWriteLedger(dims, 1);
      // Never polled: records are handed to handle() by the sim.
      this.feed =
          new ReplicaFeed(
              "localhost:1",
              "model-deltas",
              MODEL_ID,
              replica,
              "sim-" + index,
              EPOCH,
              index,
              ownWrites,
              false,
              java.util.Map.of());
      this.sentCopies = new SentDenseCopies(64, ShardedTrainerOperator.flatDense(replica));
    }

    void close() {
      try {
        feed.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** AUC over samples [from, to), of trainer {@code only} if {@code trainerOf} is given. */
  private static double auc(
      float[] scores, List<TrainingSample> samples, int from, int to, int[] trainerOf, int only) {
    float[] s = new float[to - from];
    int[] l = new int[to - from];
    int n = 0;
    for (int i = from; i < to; i++) {
      if (trainerOf == null || trainerOf[i] == only) {
        s[n] = scores[i];
        l[n++] = samples.get(i).label();
      }
    }
    return Auc.compute(s, l, n);
  }

  /** The job's labels over every behaviour in time order (OnlineReplay's construction). */
  static List<TrainingSample> samples(String data, int maxHistory) throws Exception {
    List<UserSequence> users;
    if (data.startsWith("movielens:")) {
      users = Sequences.movieLens(Path.of(data.substring("movielens:".length())));
    } else if (data.startsWith("generator:")) {
      String[] p = data.substring("generator:".length()).split(",");
      users =
          Sequences.group(
              new StreamGenerator(
                      GeneratorConfig.builder()
                          .setUsers(Integer.parseInt(p[0]))
                          .setItems(Integer.parseInt(p[1]))
                          .setBehaviorsPerUser(Integer.parseInt(p[2]))
                          .optMode(GeneratorMode.CLICK_ONLY)
                          .optSeed(7)
                          .build())
                  .events());
    } else {
      throw new IllegalArgumentException("data must be movielens:DIR or generator:U,I,B");
    }
    // The job's labels: dare.label.* defaults, the sequence stage's subtask 0 sampler.
    ClickOnlyLabels labels =
        new ClickOnlyLabels(new NegativeSampler(100_000, 42L * 31), 1, 1, false);
    List<TrainingSample> out = new ArrayList<>();
    for (TrainingSample positive : OnlineReplay.clicksInStreamOrder(users, maxHistory)) {
      out.addAll(labels.label(positive));
    }
    return out;
  }
}
