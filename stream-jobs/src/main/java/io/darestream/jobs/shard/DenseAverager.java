package io.darestream.jobs.shard;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.train.DeltaPublisher;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import java.util.List;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.IOUtils;

/**
 * The sharded stage's one dense writer (parallelism 1): averages the trainers' dense copies round
 * by round ({@link DenseAverage}) and publishes each average to {@code model-deltas} as the dense
 * blocks, stamped with the round as version, which serving serves and every trainer merges. At the
 * end of a bounded input it publishes the average of every trainer's final copy.
 */
public final class DenseAverager extends AbstractStreamOperator<Void>
    implements OneInputStreamOperator<DenseCopy, Void> {
  private static final long serialVersionUID = 1L;

  private static final int MAX_OPEN_ROUNDS = 16;

  private final ModelOptions modelOptions;
  private final KafkaOptions kafkaOptions;
  private final int trainers;
  private final TrainerOptions trainerOptions;

  private transient AttemptEpoch epoch;
  private transient DenseAverage average;
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
            context, "dense-averager-epoch", getRuntimeContext().getTaskInfo().getAttemptNumber());
  }

  @Override
  public void open() throws Exception {
    super.open();
    average = new DenseAverage(trainers, MAX_OPEN_ROUNDS);
    model = DareModel.create(modelOptions.config());
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
    getMetricGroup().gauge("openRounds", (Gauge<Integer>) () -> average.openRounds());
  }

  @Override
  public void processElement(StreamRecord<DenseCopy> element) {
    DenseAverage.Result r = average.add(element.getValue());
    if (r != null) {
      publish(r.round(), r.values());
    }
  }

  private void publish(long round, float[] flat) {
    List<String> names = model.dense().names();
    int o = 0;
    for (String name : names) {
      int size = model.dense().block(name).size();
      if (o + size > flat.length) {
        throw new IllegalStateException(
            "dense copy of " + flat.length + " floats is too short for this model's blocks");
      }
      model.writeDense(new DenseBlock(name, java.util.Arrays.copyOfRange(flat, o, o + size)));
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
    // The part of this checkpoint: the dense blocks of the last round published before it.
    denseAtBarrier =
        model.dense().blocks().stream()
            .map(b -> new DenseBlock(b.name(), b.values().clone()))
            .toList();
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
    float[] last = average.averageOfLatest();
    if (last != null) {
      publish(average.completedRound() + MAX_OPEN_ROUNDS + 1, last);
    }
    publisher.flushAndGetOffsets();
    super.finish();
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
