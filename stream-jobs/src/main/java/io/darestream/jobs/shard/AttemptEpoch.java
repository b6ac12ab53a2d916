package io.darestream.jobs.shard;

import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.train.PretrainedModel;
import io.darestream.state.snapshot.SnapshotReader;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * The epoch of the sharded stage's attempt, the same in every subtask of the stage without any
 * coordination: one more than the newest epoch in the restored checkpoint (union state: every
 * subtask sees every subtask's), plus the attempt number. The sharded stage's subtasks are one
 * failover region (all-to-all edges), so they restart together with the same attempt number; every
 * restart thus publishes under a new, larger epoch, and serving lets it supersede the old one. A
 * start without the stage's state counts from the newest epoch already published ({@link
 * #freshStartFloor}).
 *
 * <p>It also tells whether the stage's own state was restored ({@link #stageStateRestored}): a job
 * restored from a savepoint of a job without this stage (the single trainer's, with {@code
 * --allowNonRestoredState}) restores the other operators while this stage starts empty, and then
 * starts as a fresh stage does, from {@code dare.trainer.initial-snapshot} if one is set. ({@code
 * isRestored()} cannot tell: it is the task's, true for an operator without state of its own when
 * an operator chained with it restored some.)
 *
 * <p>Limit: a job started twice from the same savepoint gets the same epochs in both runs (the
 * single trainer's durable epoch ledger does not have this gap).
 */
final class AttemptEpoch {
  private final ListState<Long> state;
  private final long epoch;
  private final boolean stageStateRestored;
  private final long restoredEpoch;

  private AttemptEpoch(
      ListState<Long> state, long epoch, boolean stageStateRestored, long restoredEpoch) {
    this.state = state;
    this.epoch = epoch;
    this.stageStateRestored = stageStateRestored;
    this.restoredEpoch = restoredEpoch;
  }

  /** Reads the restored epochs of state {@code name} and begins this attempt's. */
  static AttemptEpoch begin(StateInitializationContext context, String name, int attemptNumber)
      throws Exception {
    return begin(context, name, attemptNumber, () -> 0L);
  }

  /**
   * As above; without restored stage state the epochs count from {@code freshStartFloor} instead of
   * 0 ({@link #freshStartFloor}).
   */
  static AttemptEpoch begin(
      StateInitializationContext context,
      String name,
      int attemptNumber,
      LongSupplier freshStartFloor)
      throws Exception {
    ListState<Long> state =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(name, Types.LONG));
    long restored = 0;
    boolean any = false;
    if (context.isRestored()) {
      for (Long e : state.get()) {
        restored = Math.max(restored, e);
        any = true;
      }
    }
    long base = any ? restored : freshStartFloor.getAsLong();
    return new AttemptEpoch(state, base + 1 + attemptNumber, any, restored);
  }

  /**
   * What a stage that starts without its own state counts its epochs from: the newest epoch
   * published in its snapshot directory (an earlier run's snapshots or parts, the single trainer's
   * included) and the initial snapshot's, so that serving, which prefers the newest epoch, moves to
   * this run and never mixes its records with an earlier run's under one epoch. Every subtask reads
   * the same floor: nothing is written there before the stage's first completed checkpoint, and a
   * stage restored from one does not ask (point the initial snapshot at a snapshot directory, not
   * at a directory another job still publishes into).
   */
  static long freshStartFloor(TrainerOptions options) {
    long published = SnapshotReader.newestPublishedEpoch(Path.of(options.snapshotDir()));
    long initial =
        options.initialSnapshot().map(l -> PretrainedModel.epochOf(Path.of(l))).orElse(0L);
    return Math.max(published, initial);
  }

  /**
   * Whether the checkpoint or savepoint this attempt restored held this operator's state. Every
   * checkpoint of the stage records its epoch, so false means a fresh start, or a restore of a job
   * that did not run this stage.
   */
  boolean stageStateRestored() {
    return stageStateRestored;
  }

  /** The epoch the restored checkpoint was taken in (0 without stage state). */
  long restoredEpoch() {
    return restoredEpoch;
  }

  long epoch() {
    return epoch;
  }

  /** Records the epoch in the checkpoint being taken. */
  void snapshot() throws Exception {
    state.update(List.of(epoch));
  }
}
