package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A trainer's replica orders {@code model-deltas} records as serving does (model.sync's {@code
 * DeltaOrder}): a record of a superseded epoch (a failed attempt's row published after its last
 * checkpoint, read after the restored attempt's records) or a writer's older record never moves a
 * row back. An owner's row of the trainer's epoch is rebased on the trainer's own changes of the
 * windows it does not acknowledge yet ({@link OwnWriteLedger}). Fed without a broker (the consumer
 * is never polled).
 */
class ReplicaFeedOrderTest {
  private static final String MODEL = "dare";
  private final DareModel replica =
      DareModel.create(DareConfig.builder().attentionDim(4).representationDim(8).build());
  private static final long EPOCH = 2;
  private static final int ATT_ITEM = 0;
  private final OwnWriteLedger ownWrites = new OwnWriteLedger(dims(replica), 2);
  private final ReplicaFeed feed =
      new ReplicaFeed(
          "localhost:1",
          "model-deltas",
          MODEL,
          replica,
          "replica-order-test",
          EPOCH,
          1,
          ownWrites,
          false,
          Map.of());

  private static int[] dims(DareModel model) {
    return model.tables().stream().mapToInt(t -> t.dim()).toArray();
  }

  @AfterEach
  void close() throws InterruptedException {
    feed.close();
  }

  private static byte[] delta(long epoch, long version, int writer, long id, float value) {
    return delta(epoch, version, writer, id, value, List.of());
  }

  private static byte[] delta(
      long epoch, long version, int writer, long id, float value, List<Long> acknowledged) {
    float[] v = new float[4];
    Arrays.fill(v, value);
    return Codecs.MODEL_DELTA.encode(
        ModelDelta.newBuilder()
            .setModelId(MODEL)
            .setEpoch(epoch)
            .setVersion(version)
            .setTable("att.item")
            .setDim(4)
            .setRows(List.of(new DeltaRow(id, ModelDeltas.packRow(v))))
            .setNewestEventTimeMs(1)
            .setMinIngestTimeMs(1)
            .setMaxIngestTimeMs(1)
            .setPublishTimeMs(System.currentTimeMillis())
            .setWriter(writer)
            .setAcknowledgedWindows(acknowledged)
            .build());
  }

  private float first(long id) {
    float[] out = new float[4];
    replica.table("att.item").copyWeights(id, out, 0);
    return out[0];
  }

  @Test
  void aSupersededEpochsRecordReadLaterDoesNotMoveTheRowBack() {
    feed.handle(delta(2, 10, 1, 7, 2f));
    feed.handle(delta(1, 50, 1, 7, 1f));

    assertThat(first(7)).isEqualTo(2f);
    assertThat(feed.ignored()).isEqualTo(1);
  }

  @Test
  void aReplicaStartedFromTheInitialSnapshotIgnoresEveryEarlierEpochsRecord() throws Exception {
    DareModel fromSnapshot =
        DareModel.create(DareConfig.builder().attentionDim(4).representationDim(8).build());
    ReplicaFeed warm =
        new ReplicaFeed(
            "localhost:1",
            "model-deltas",
            MODEL,
            fromSnapshot,
            "replica-order-test-warm",
            EPOCH,
            1,
            new OwnWriteLedger(dims(fromSnapshot), 2),
            true,
            Map.of());
    try {
      // What the snapshot's job published before it, read from the topic's beginning.
      warm.handle(delta(EPOCH - 1, 90, 0, 7, 9f));
      float[] row = new float[4];
      fromSnapshot.table("att.item").copyWeights(7, row, 0);
      assertThat(row[0]).as("row 7 as the snapshot holds it").isNotEqualTo(9f);
      assertThat(warm.ignored()).isEqualTo(1);
      // This epoch's owners: applied.
      warm.handle(delta(EPOCH, 10, 1, 7, 2f));
      fromSnapshot.table("att.item").copyWeights(7, row, 0);
      assertThat(row[0]).isEqualTo(2f);
    } finally {
      warm.close();
    }
    // A replica rebuilt from the topic (a restore) takes the earlier epoch's record.
    feed.handle(delta(EPOCH - 1, 90, 0, 7, 9f));
    assertThat(first(7)).isEqualTo(9f);
  }

  @Test
  void aWritersOlderRecordIsSkippedWhileAnotherWritersIsApplied() {
    feed.handle(delta(2, 10, 1, 8, 3f));
    feed.handle(delta(2, 9, 1, 8, 4f));
    feed.handle(delta(2, 5, 2, 9, 5f));

    assertThat(first(8)).isEqualTo(3f);
    assertThat(first(9)).isEqualTo(5f);
    assertThat(feed.rowsApplied()).isEqualTo(2);
  }

  @Test
  void anOwnersRowKeepsTheTrainersChangesOfTheWindowsItDoesNotAcknowledge() {
    assertThat(replica.tables().get(ATT_ITEM).name()).isEqualTo("att.item");
    replica.exclusive(
        () -> {
          ownWrites.record(ATT_ITEM, 7, 0, 1, new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 0);
          ownWrites.record(ATT_ITEM, 7, 0, 2, new float[] {0.25f, 0.25f, 0.25f, 0.25f}, 0);
        });

    // Owner 0 (writer 1) has this trainer's (subtask 1) window 1, not window 2.
    feed.handle(delta(EPOCH, 10, 1, 7, 1f, List.of(9L, 1L)));
    assertThat(first(7)).as("the owner's row plus window 2").isEqualTo(1.25f);

    // A row of an older epoch includes none of this attempt's windows.
    feed.handle(delta(EPOCH - 1, 99, 1, 7, 3f, List.of(5L, 5L)));
    assertThat(feed.ignored()).as("superseded epoch").isEqualTo(1);
    assertThat(first(7)).isEqualTo(1.25f);

    feed.handle(delta(EPOCH, 11, 1, 7, 2f, List.of(9L, 2L)));
    assertThat(first(7))
        .as("every window acknowledged: the owner's row as published")
        .isEqualTo(2f);
    assertThat(ownWrites.rows()).isZero();
  }

  @Test
  void rowsOfAnEarlierEpochAreRebasedOnEveryChangeOfThisOne() {
    replica.exclusive(
        () -> ownWrites.record(ATT_ITEM, 8, 0, 1, new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 0));
    feed.handle(delta(EPOCH - 1, 50, 1, 8, 1f, List.of(3L, 3L)));
    assertThat(first(8)).isEqualTo(1.5f);
    assertThat(ownWrites.rows()).isEqualTo(1);
  }

  @Test
  void forgedAcknowledgementsKeepTheTrainersOwnChangesAndTheFeedRunning() {
    replica.exclusive(
        () -> ownWrites.record(ATT_ITEM, 9, 0, 1, new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 0));

    // A negative window, and a list without this trainer's (subtask 1) entry: nothing acknowledged.
    feed.handle(delta(EPOCH, 10, 1, 9, 1f, List.of(-7L, -7L)));
    assertThat(first(9)).isEqualTo(1.5f);
    feed.handle(delta(EPOCH, 11, 1, 9, 2f, List.of(Long.MAX_VALUE)));
    assertThat(first(9)).isEqualTo(2.5f);
    assertThat(ownWrites.rows()).isEqualTo(1);
    // A writer id beyond the stage's owners acknowledges nothing.
    feed.handle(delta(EPOCH, 12, 99, 9, 3f, List.of(5L, 5L)));
    assertThat(first(9)).isEqualTo(3.5f);
    replica.exclusive(ownWrites::sweep);
    assertThat(ownWrites.rows()).as("the real owner has not acknowledged window 1").isEqualTo(1);
    assertThat(feed.malformed()).isZero();
    assertThat(feed.failure()).isNull();
  }

  @Test
  void denseBlocksOfTwoVersionsInterleavedAsTwoPartitionsDeliverThemStillGiveTheNewestAverage() {
    // Dense records are keyed by block: on a topic with two partitions the consumer reads block 1
    // of v and v + 1 (one partition), then block 2 of both (the other). The old feed restarted its
    // assembly at every change of version and never completed either.
    List<ModelDelta> v5 = denseRecords(5, 0.5f);
    List<ModelDelta> v6 = denseRecords(6, 0.75f);
    assertThat(v5).hasSizeGreaterThan(1);
    int half = v5.size() / 2;
    for (int i = 0; i < half; i++) {
      feed.handle(Codecs.MODEL_DELTA.encode(v5.get(i)));
    }
    for (int i = 0; i < half; i++) {
      feed.handle(Codecs.MODEL_DELTA.encode(v6.get(i)));
    }
    for (int i = half; i < v5.size(); i++) {
      feed.handle(Codecs.MODEL_DELTA.encode(v5.get(i)));
    }
    assertThat(feed.takeDenseAverage().version()).as("v5 completes first").isEqualTo(5);
    for (int i = half; i < v6.size(); i++) {
      feed.handle(Codecs.MODEL_DELTA.encode(v6.get(i)));
    }
    ReplicaFeed.DenseAverage average = feed.takeDenseAverage();
    assertThat(average.version()).isEqualTo(6);
    assertThat(average.blocks()).hasSize(v6.size());
    assertThat(average.blocks().values()).allSatisfy(b -> assertThat(b).containsOnly(0.75f));
    assertThat(feed.malformed()).isZero();
  }

  @Test
  void aForgedDenseBlockNameCannotCompleteAnAverageThatLacksARealBlock() {
    List<ModelDelta> v7 = denseRecords(7, 0.25f);
    // All but the last real block, then a forged one under a name the model does not have.
    for (int i = 0; i < v7.size() - 1; i++) {
      feed.handle(Codecs.MODEL_DELTA.encode(v7.get(i)));
    }
    ModelDelta forged = ModelDelta.newBuilder(v7.get(0)).setTable("dense.forged").build();
    feed.handle(Codecs.MODEL_DELTA.encode(forged));
    assertThat(feed.takeDenseAverage()).as("no average without every real block").isNull();
    assertThat(feed.malformed()).isEqualTo(1);

    feed.handle(Codecs.MODEL_DELTA.encode(v7.get(v7.size() - 1)));
    assertThat(feed.takeDenseAverage().blocks()).hasSize(v7.size());
    assertThat(feed.failure()).isNull();
  }

  /** The averager's records of dense model {@code version}, every weight {@code value}. */
  private List<ModelDelta> denseRecords(long version, float value) {
    DareModel model =
        DareModel.create(DareConfig.builder().attentionDim(4).representationDim(8).build());
    for (DenseBlock b : model.dense().blocks()) {
      float[] v = new float[b.values().length];
      Arrays.fill(v, value);
      model.dense().set(new DenseBlock(b.name(), v));
    }
    return ModelDeltas.denseBlocks(model, new DeltaStamp(MODEL, EPOCH, version, 1, 1, 1, 1, 0));
  }
}
