package io.darestream.jobs.shard;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.train.DeltaPublisher;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.FloatPrimitiveArraySerializer;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.IOUtils;

/**
 * The sharded stage's one dense writer (parallelism 1): holds the dense model G as operator state,
 * folds the trainers' {@link DenseProgress} into it round by round ({@link DenseProgressSum}:
 * summed or averaged, {@code dare.trainer.dense-merge}) and publishes G to {@code model-deltas} as
 * the dense blocks, stamped with the round as version, which serving serves and every trainer
 * merges. When it opens it publishes G as version 0 of its epoch: the initial dense blocks on a
 * fresh start (the initial snapshot's with {@code dare.trainer.initial-snapshot}), the restored
 * ones after a restore, which the trainers (opened with the initial ones) move to. A checkpoint
 * holds G plus every progress received before the barrier (the trainers send theirs before it), and
 * so does the snapshot part the averager writes for it. At the end of a bounded input it folds
 * everything and publishes G once more.
 */
public final class DenseAverager extends AbstractStreamOperator<Void>
    implements OneInputStreamOperator<DenseProgress, Void> {
  private static final long serialVersionUID = 1L;

  private static final int MAX_OPEN_ROUNDS = 16;

  /** The dense model G, every block concatenated in the model's block order (one element). */
  static final ListStateDescriptor<float[]> DENSE_STATE =
      new ListStateDescriptor<>("dense-model", FloatPrimitiveArraySerializer.INSTANCE);

  private final ModelOptions modelOptions;
  private final KafkaOptions kafkaOptions;
  private final int trainers;
  private final TrainerOptions trainerOptions;

  private transient AttemptEpoch epoch;
  private transient DenseProgressSum sum;
  private transient ListState<float[]> denseState;
  private transient float[] restored;
  private transient boolean wasRestored;
  private transient DareModel model;
  private transient DeltaPublisher publisher;
  private transient long published;
  private transient SnapshotPartPublisher snapshotParts;
  private transient long lastRound;
  private transient List<DenseBlock> denseAtBarrier;

  public DenseAverager(
      ModelOptions modelOptions,
      TrainerOptions trainerOptions,
      KafkaOptions kafkaOptions,
      int trainers) {
    this.modelOptions = modelOptions;
    this.trainerOptions = trainerOptions;
    this.kafkaOptions = kafkaOptions;
    this.trainers = trainers;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    epoch =
        AttemptEpoch.begin(
            context,
            "dense-averager-epoch",
            getRuntimeContext().getTaskInfo().getAttemptNumber(),
            () -> AttemptEpoch.freshStartFloor(trainerOptions));
    denseState = context.getOperatorStateStore().getListState(DENSE_STATE);
    restored = null;
    // A restore of a job without this stage (the single trainer's savepoint) starts it fresh.
    wasRestored = epoch.stageStateRestored();
    if (context.isRestored()) {
      for (float[] v : denseState.get()) {
        if (restored != null) {
          throw new IllegalStateException("the restored dense averager state holds two models");
        }
        restored = v;
      }
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    model = DareModel.create(modelOptions.config());
    if (!wasRestored && trainerOptions.initialSnapshot().isPresent()) {
      // A warm start: G begins as the initial snapshot's dense model (a restore's state wins).
      InitialSnapshot.loadDense(
          java.nio.file.Path.of(trainerOptions.initialSnapshot().get()),
          modelOptions.config(),
          model);
    }
    float[] initial = flatDense(model);
    if (restored != null && restored.length != initial.length) {
      throw new IllegalStateException(
          "the restored dense model has "
              + restored.length
              + " floats, this model's dense blocks have "
              + initial.length
              + ": the job was restored with another model configuration");
    }
    float scale =
        switch (trainerOptions.denseMerge()) {
          case SUM -> 1f;
          case AVERAGE -> 1f / trainers;
        };
    sum =
        new DenseProgressSum(
            trainers, MAX_OPEN_ROUNDS, scale, restored != null ? restored : initial);
    publisher =
        new DeltaPublisher(
            kafkaOptions.bootstrapServers(),
            kafkaOptions.deltasTopic(),
            kafkaOptions.snapshotsTopic());
    lastRound = -1;
    snapshotParts =
        SnapshotPartPublisher.of(
            trainerOptions,
            kafkaOptions,
            modelOptions,
            model.config().toProperties(),
            0,
            trainers + 1);
    getMetricGroup().gauge("averagesPublished", (Gauge<Long>) () -> published);
    getMetricGroup().gauge("openRounds", (Gauge<Integer>) () -> sum.openRounds());
    // Version 0 of this epoch: the trainers, which opened with the initial dense blocks, move to
    // it, and serving gets the restored dense model with it.
    publish(0, sum.checkpointValue());
  }

  @Override
  public void processElement(StreamRecord<DenseProgress> element) {
    DenseProgressSum.Result r = sum.add(element.getValue());
    if (r != null) {
      publish(r.version(), r.values());
    }
  }

  private void publish(long round, float[] flat) {
    List<String> names = model.dense().names();
    int o = 0;
    for (String name : names) {
      int size = model.dense().block(name).size();
      if (o + size > flat.length) {
        throw new IllegalStateException(
            "dense model of " + flat.length + " floats is too short for this model's blocks");
      }
      model.writeDense(new DenseBlock(name, Arrays.copyOfRange(flat, o, o + size)));
      o += size;
    }
    long now = System.currentTimeMillis();
    publisher.publish(
        ModelDeltas.denseBlocks(
            model, new DeltaStamp(modelOptions.modelId(), epoch.epoch(), round, -1, -1, -1, now)));
    published++;
    lastRound = round;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    epoch.snapshot();
    publisher.flushAndGetOffsets();
    // G with every progress sent before the barrier: what a restore from this checkpoint starts
    // from, and this checkpoint's snapshot part.
    float[] value = sum.checkpointValue();
    denseState.update(List.of(value));
    denseAtBarrier = blocksOf(value);
    snapshotParts.atBarrier(context.getCheckpointId(), lastRound);
  }

  /**
   * Once a checkpoint is complete, writes the averager's part of its snapshot set from the blocks
   * copied at the barrier, on the publisher's thread: at N = 1 the averager shares the trainer's
   * task, which would otherwise wait for the part's fsync and announcement at every checkpoint.
   */
  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    List<DenseBlock> blocks = denseAtBarrier;
    snapshotParts.publishAndAnnounceInBackground(
        checkpointId,
        epoch.epoch(),
        out -> {
          for (DenseBlock b : blocks) {
            out.addDense(b);
          }
        },
        publisher);
  }

  @Override
  public void finish() throws Exception {
    DenseProgressSum.Result last = sum.finish();
    publish(last.version(), last.values());
    publisher.flushAndGetOffsets();
    super.finish();
  }

  private List<DenseBlock> blocksOf(float[] flat) {
    List<DenseBlock> out = new ArrayList<>();
    int o = 0;
    for (String name : model.dense().names()) {
      int size = model.dense().block(name).size();
      out.add(new DenseBlock(name, Arrays.copyOfRange(flat, o, o + size)));
      o += size;
    }
    return out;
  }

  private static float[] flatDense(DareModel model) {
    List<DenseBlock> blocks = model.dense().blocks();
    int n = blocks.stream().mapToInt(DenseBlock::size).sum();
    float[] flat = new float[n];
    int o = 0;
    for (DenseBlock b : blocks) {
      System.arraycopy(b.values(), 0, flat, o, b.size());
      o += b.size();
    }
    return flat;
  }

  @Override
  public void close() throws Exception {
    try {
      // Null-safe; closes both even if the first fails. The parts first: the last one may still
      // be announced on the publisher from the parts' thread.
      IOUtils.closeAll(snapshotParts, publisher);
    } finally {
      super.close();
    }
  }
}
