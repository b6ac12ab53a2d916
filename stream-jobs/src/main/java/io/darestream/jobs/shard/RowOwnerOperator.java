package io.darestream.jobs.shard;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.train.DeltaPublisher;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.SnapshotPartRows;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.FloatPrimitiveArraySerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.IOUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A row owner of the sharded stage: the only writer of the embedding rows of the key groups Flink
 * gives its subtask. It applies each table's sparse optimizer (with the row's optimizer slots) to
 * the coalesced gradients the trainers send, once per row per received batch, and publishes the
 * changed rows as full values to {@code model-deltas} every publish interval and at every barrier.
 *
 * <p>State: every row, weights and optimizer slots, is Flink keyed state (one {@code ValueState<
 * float[]>} per table, keyed by the row id, in the row's key group), so Flink checkpoints it
 * incrementally, rescales it to any parallelism up to the max parallelism, and restores it exactly
 * once with the input replayed after the checkpoint. The rows being trained live in memory (the
 * model's contiguous tables, where the optimizer runs); a row is read from state the first time a
 * gradient reaches it after a restore (never after an empty start: see initializeState), and the
 * rows changed since the last checkpoint are written back before each barrier (write-behind: one
 * state write per changed row per checkpoint, not per update).
 *
 * <p>A fresh start with {@code dare.trainer.initial-snapshot} begins with the snapshot's rows of
 * this subtask's key groups ({@link InitialSnapshot#loadOwnedRows}); a restore ignores it.
 *
 * <p>Expiry ({@link OwnerExpiry}) and admission ({@link OwnerAdmission}, counts in keyed state)
 * follow the single trainer's semantics.
 */
public final class RowOwnerOperator extends AbstractStreamOperator<Void>
    implements OneInputStreamOperator<GradientBatch, Void> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(RowOwnerOperator.class);

  /** Rows per delta record, as the single trainer's. */
  static final int MAX_ROWS_PER_DELTA = 2048;

  /** How long after a barrier's work the gradients queued behind it are published. */
  private static final long CATCH_UP_PUBLISH_MS = 100;

  /** Keyed state name of table {@code t}'s rows. */
  static String stateName(String table) {
    return "owner-rows." + table;
  }

  private final ModelOptions modelOptions;
  private final TrainerOptions trainerOptions;
  private final KafkaOptions kafkaOptions;

  private transient AttemptEpoch epoch;
  private transient boolean stateMayHoldUnloadedRows;
  private transient boolean restored;
  private transient OwnerExpiry expiry;
  private transient OwnerAdmission admission;
  private transient DareModel model;
  private transient List<EmbeddingTable> tables;
  private transient List<ValueState<float[]>> rowStates;
  private transient DeltaPublisher publisher;
  private transient long version;
  private transient long stateLookups;
  private transient long newestEventTimeMs;
  private transient long minIngestSincePublish;
  private transient long maxIngestSincePublish;
  private transient Counter rowsUpdated;
  private transient Counter nonFiniteRows;
  private transient Counter rowsLoaded;
  private transient Counter rowsWrittenBack;
  private transient SnapshotPartPublisher snapshotParts;
  // acknowledged[t]: the newest window of trainer subtask t whose gradients this owner applied.
  private transient long[] acknowledged;
  private transient RowsAtBarrier rowsAtBarrier;
  private transient long rowsAtBarrierCheckpoint;
  private transient long partRowsReadFromState;

  public RowOwnerOperator(
      ModelOptions modelOptions, TrainerOptions trainerOptions, KafkaOptions kafkaOptions) {
    this.modelOptions = modelOptions;
    this.trainerOptions = trainerOptions;
    this.kafkaOptions = kafkaOptions;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    epoch =
        AttemptEpoch.begin(
            context,
            "row-owner-epoch",
            getRuntimeContext().getTaskInfo().getAttemptNumber(),
            () -> AttemptEpoch.freshStartFloor(trainerOptions));
    // Started empty, the keyed state holds only rows this attempt wrote back from memory, and every
    // one of them is still in memory (a row leaves memory only when it is deleted, and then its
    // state is cleared too): a row missing from memory is new, and looking it up in state would
    // be a wasted read per new row. Only restored state can hold rows not loaded yet.
    // A restore of a job without this stage (the single trainer's savepoint) starts it empty.
    restored = epoch.stageStateRestored();
    stateMayHoldUnloadedRows = restored;
  }

  @Override
  public void open() throws Exception {
    super.open();
    model = DareModel.create(OwnerAdmission.tablesAdmitEverything(modelOptions.config()));
    tables = model.tables();
    rowStates = new java.util.ArrayList<>(tables.size());
    for (EmbeddingTable t : tables) {
      rowStates.add(
          getPartitionedState(
              VoidNamespace.INSTANCE,
              org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE,
              new ValueStateDescriptor<>(
                  stateName(t.name()), FloatPrimitiveArraySerializer.INSTANCE)));
    }
    if (!restored && trainerOptions.initialSnapshot().isPresent()) {
      loadInitialRows();
    }
    expiry = new OwnerExpiry(model, restored, getKeyedStateBackend());
    admission =
        new OwnerAdmission(
            modelOptions.config(),
            getKeyedStateBackend(),
            tables.stream().map(EmbeddingTable::name).toList());
    acknowledged = new long[getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks()];
    newestEventTimeMs = Long.MIN_VALUE;
    minIngestSincePublish = Long.MAX_VALUE;
    maxIngestSincePublish = Long.MIN_VALUE;
    publisher =
        new DeltaPublisher(
            kafkaOptions.bootstrapServers(),
            kafkaOptions.deltasTopic(),
            kafkaOptions.snapshotsTopic());
    rowsUpdated = getMetricGroup().counter("rowsUpdated");
    nonFiniteRows = getMetricGroup().counter("nonFiniteGradientRows");
    rowsLoaded = getMetricGroup().counter("rowsLoadedFromState");
    rowsWrittenBack = getMetricGroup().counter("rowsWrittenBack");
    openSnapshotParts();
    schedulePublish();
  }

  /**
   * A warm start: the initial snapshot's rows of this subtask's key groups, in memory and marked
   * changed before the first gradient, so that applies start from them, the first publish sends
   * them and the first barrier's write-back puts them into keyed state (and so into every
   * checkpoint and snapshot part). A restore never gets here: its state wins.
   */
  private void loadInitialRows() {
    long t0 = System.nanoTime();
    var task = getRuntimeContext().getTaskInfo();
    KeyGroupRange groups =
        KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
            task.getMaxNumberOfParallelSubtasks(),
            task.getNumberOfParallelSubtasks(),
            task.getIndexOfThisSubtask());
    long loaded =
        InitialSnapshot.loadOwnedRows(
            java.nio.file.Path.of(trainerOptions.initialSnapshot().get()),
            modelOptions.config(),
            model,
            new RowRouting(trainerOptions.maxParallelism()),
            groups);
    LOG.info(
        "Row owner {}: {} rows of key groups {} from the initial snapshot {} in {} ms",
        task.getIndexOfThisSubtask(),
        loaded,
        groups,
        trainerOptions.initialSnapshot().get(),
        (System.nanoTime() - t0) / 1_000_000);
  }

  @Override
  public void processElement(StreamRecord<GradientBatch> element) throws Exception {
    GradientBatch b = element.getValue();
    if (b.table() < 0 || b.table() >= tables.size()) {
      throw new IllegalStateException(
          "gradient batch for table " + b.table() + ", the model has " + tables.size());
    }
    EmbeddingTable table = tables.get(b.table());
    if (b.dim() != table.dim()) {
      throw new IllegalStateException(
          "gradient batch for " + table.name() + " has dim " + b.dim() + ", not " + table.dim());
    }
    // Acknowledged with its last record here, whatever becomes of its rows below: the window is
    // then done with here.
    if (b.closesWindow()) {
      acknowledge(b.trainer(), b.window());
    }
    GradientBatch finite = FiniteGradients.finiteRows(b);
    if (finite != b) {
      long refused = b.size() - (finite == null ? 0 : finite.size());
      if (nonFiniteRows.getCount() == 0) {
        LOG.warn(
            "Row owner: {} rows of {} with non-finite gradients left out", refused, table.name());
      }
      nonFiniteRows.inc(refused);
      if (finite == null) {
        return;
      }
      b = finite;
    }
    loadMissing(table, rowStates.get(b.table()), b.ids());
    long now = b.newestEventTimeMs();
    GradientBatch a = admission.admit(b, table);
    if (a != null) {
      int updated =
          model.exclusive(
              () ->
                  table.applyGradients(a.ids(), null, a.sums(), a.contributions(), a.size(), now));
      rowsUpdated.inc(updated);
    }
    newestEventTimeMs = Math.max(newestEventTimeMs, now);
    if (b.minIngestTimeMs() > 0) {
      minIngestSincePublish = Math.min(minIngestSincePublish, b.minIngestTimeMs());
    }
    if (b.maxIngestTimeMs() > 0) {
      maxIngestSincePublish = Math.max(maxIngestSincePublish, b.maxIngestTimeMs());
    }
  }

  private void acknowledge(int trainer, long window) {
    if (trainer >= acknowledged.length) {
      acknowledged = java.util.Arrays.copyOf(acknowledged, trainer + 1);
    }
    acknowledged[trainer] = Math.max(acknowledged[trainer], window);
  }

  /** Brings the stored rows among {@code ids} that are not in memory yet into the table. */
  private void loadMissing(EmbeddingTable table, ValueState<float[]> state, long[] ids)
      throws Exception {
    if (!stateMayHoldUnloadedRows) {
      return;
    }
    for (long id : ids) {
      if (table.contains(id)) {
        continue;
      }
      setCurrentKey(id);
      stateLookups++;
      float[] stored = state.value();
      if (stored != null) {
        model.exclusive(() -> table.writeRow(id, stored));
        rowsLoaded.inc();
      }
    }
  }

  /** Writes the rows changed since the last checkpoint into keyed state. */
  private void writeBack(long checkpointId) throws Exception {
    long t0 = System.nanoTime();
    long written = 0;
    for (int t = 0; t < tables.size(); t++) {
      EmbeddingTable table = tables.get(t);
      ValueState<float[]> state = rowStates.get(t);
      long[] ids = model.withoutWriters(() -> table.dirty().drainSinceFlush());
      for (long id : ids) {
        float[] row = new float[table.rowWidth()];
        boolean live = model.withoutWriters(() -> table.readRow(id, row));
        setCurrentKey(id);
        if (live) {
          state.update(row);
        } else {
          state.clear();
        }
      }
      rowsWrittenBack.inc(ids.length);
      written += ids.length;
    }
    // The one cost of keeping the rows in Flink state that stops training: logged per checkpoint.
    LOG.info(
        "Row owner {}: checkpoint {} wrote back {} changed rows in {} ms ({} rows in memory)",
        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
        checkpointId,
        written,
        (System.nanoTime() - t0) / 1_000_000,
        model.counters().values().stream().mapToLong(c -> c.live()).sum());
  }

  private void schedulePublish() {
    long due =
        getProcessingTimeService().getCurrentProcessingTime()
            + trainerOptions.publishInterval().toMillis();
    getProcessingTimeService()
        .registerTimer(
            due,
            now -> {
              publish(now);
              schedulePublish();
            });
  }

  private void publish(long nowMs) throws Exception {
    // Increasing per owner is all the order needs: a row has one owner per epoch, and consumers
    // compare versions per (table, writer), never across owners, whose records of one table
    // interleave on its partition. The clock only makes a version say roughly when.
    version = Math.max(version + 1, System.currentTimeMillis());
    DeltaStamp stamp =
        new DeltaStamp(
            modelOptions.modelId(),
            epoch.epoch(),
            version,
            newestEventTimeMs == Long.MIN_VALUE ? -1 : newestEventTimeMs,
            minIngestSincePublish == Long.MAX_VALUE ? -1 : minIngestSincePublish,
            maxIngestSincePublish == Long.MIN_VALUE ? -1 : maxIngestSincePublish,
            nowMs,
            writerId(),
            acknowledged.clone());
    // At the publish pace, as the single trainer: each publish carries its interval's deletions.
    expiry.expire(newestEventTimeMs);
    admission.forgetStale(newestEventTimeMs);
    publisher.publish(ModelDeltas.drainChangedRows(model, stamp, MAX_ROWS_PER_DELTA));
    minIngestSincePublish = Long.MAX_VALUE;
    maxIngestSincePublish = Long.MIN_VALUE;
  }

  /**
   * This owner's writer id on {@code model-deltas}: 1 + its subtask index, so that it differs from
   * every other owner's and from the dense averager's 0 within one epoch (a restore or rescale,
   * which moves rows between owners, always begins a new epoch).
   */
  int writerId() {
    return 1 + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    publish(getProcessingTimeService().getCurrentProcessingTime());
    writeBack(checkpointId);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    epoch.snapshot();
    // The deltas of everything in this checkpoint are acknowledged before it completes.
    publisher.flushAndGetOffsets();
    snapshotParts.atBarrier(context.getCheckpointId(), version);
    // After the write-back the keyed state holds exactly the rows in memory, unless a restore left
    // rows in state that no gradient has brought into memory yet: then the part is read from the
    // state (on the task thread) instead of from this copy.
    rowsAtBarrier = stateMayHoldUnloadedRows ? null : RowsAtBarrier.copy(model);
    rowsAtBarrierCheckpoint = context.getCheckpointId();
    scheduleCatchUpPublish();
  }

  /**
   * The barrier's work (write-back, flush, the rows' copy) holds this task for up to a second with
   * many changed rows; the gradients that queued behind it are applied afterwards and, without
   * this, published only at the next regular tick, up to a publish interval later: at N = 1 that
   * put serving's p99 freshness at 3 s against 0.9 s for the single trainer (BENCHMARKS.md,
   * freshness). One extra publish shortly after the barrier sends them as soon as they are in.
   */
  private void scheduleCatchUpPublish() {
    long due = getProcessingTimeService().getCurrentProcessingTime() + CATCH_UP_PUBLISH_MS;
    getProcessingTimeService().registerTimer(due, this::publish);
  }

  // --- Snapshot parts for serving (README "Snapshots of a sharded model") ---

  private void openSnapshotParts() {
    snapshotParts =
        SnapshotPartPublisher.of(
            trainerOptions,
            kafkaOptions,
            modelOptions,
            model.config().toProperties(),
            writerId(),
            getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks() + 1);
  }

  /**
   * Once a checkpoint is complete, writes this owner's part of its snapshot set: from the rows
   * copied at the barrier, on the publisher's thread while the owner goes on; or, when the keyed
   * state may hold rows that are not in memory (a restored owner), from the state on the task
   * thread: between the barrier and the next one the state is exactly the checkpoint's (rows are
   * written into it only before a barrier).
   */
  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    if (rowsAtBarrier != null && rowsAtBarrierCheckpoint == checkpointId) {
      RowsAtBarrier rows = rowsAtBarrier;
      rowsAtBarrier = null;
      snapshotParts.publishAndAnnounceInBackground(checkpointId, epoch.epoch(), rows, publisher);
    } else {
      snapshotParts.publishAndAnnounce(
          checkpointId, epoch.epoch(), this::writeStoredRows, publisher);
    }
  }

  /** Writes every row in this subtask's keyed state (weights only) into a part. */
  private void writeStoredRows(SnapshotPartRows.Writer out) throws java.io.IOException {
    try {
      for (int t = 0; t < tables.size(); t++) {
        EmbeddingTable table = tables.get(t);
        ValueState<float[]> state = rowStates.get(t);
        long[] ids;
        try (var keys =
            getKeyedStateBackend()
                .<VoidNamespace>getKeys(stateName(table.name()), VoidNamespace.INSTANCE)) {
          ids = keys.mapToLong(k -> (Long) k).toArray();
        }
        java.util.Arrays.sort(ids);
        for (long id : ids) {
          setCurrentKey(id);
          float[] row = state.value();
          if (row != null) {
            out.addRow(table.name(), table.dim(), id, row);
            partRowsReadFromState++;
          }
        }
      }
    } catch (java.io.IOException e) {
      throw e;
    } catch (Exception e) {
      throw new java.io.IOException("cannot read the owner's rows from keyed state: " + e, e);
    }
  }

  @Override
  public void finish() throws Exception {
    publish(getProcessingTimeService().getCurrentProcessingTime());
    writeBack(-1);
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

  /**
   * Every row in this subtask's keyed state, by table name then id (weights and optimizer slots):
   * what a checkpoint of it holds once {@link #prepareSnapshotPreBarrier} ran. For tests and tools;
   * reads the whole state.
   */
  Map<String, Map<Long, float[]>> storedRows() throws Exception {
    Map<String, Map<Long, float[]>> out = new LinkedHashMap<>();
    for (int t = 0; t < tables.size(); t++) {
      String name = tables.get(t).name();
      ValueState<float[]> state = rowStates.get(t);
      Map<Long, float[]> rows = new TreeMap<>();
      List<Long> keys;
      try (var stream =
          getKeyedStateBackend().<VoidNamespace>getKeys(stateName(name), VoidNamespace.INSTANCE)) {
        keys = stream.map(k -> (Long) k).toList();
      }
      for (Long id : keys) {
        setCurrentKey(id);
        float[] row = state.value();
        if (row != null) {
          rows.put(id, row);
        }
      }
      out.put(name, rows);
    }
    return out;
  }

  /** The in-memory model (rows trained since start), for tests in this package. */
  DareModel model() {
    return model;
  }

  /** Rows looked up in keyed state because they were not in memory, for tests. */
  long stateLookups() {
    return stateLookups;
  }

  /** Rows read from keyed state to write snapshot parts, for tests. */
  long partRowsReadFromState() {
    return partRowsReadFromState;
  }

  /** The owner's snapshot parts, for tests. */
  SnapshotPartPublisher snapshotParts() {
    return snapshotParts;
  }

  /** This attempt's epoch. */
  long epoch() {
    return epoch.epoch();
  }
}
