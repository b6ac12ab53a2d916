package io.darestream.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.testing.TrainingSamples;
import io.darestream.jobs.testing.UnboundedIds;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TableNames;
import io.darestream.model.TrainingSample;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.state.checkpoint.ExportResult;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's durable side without Flink: what a checkpoint holds while training goes on. */
class ModelCheckpointingTest {

  @TempDir Path tmp;

  private static DareConfig config() {
    return DareConfig.builder()
        .attentionDim(4)
        .representationDim(8)
        .topK(3)
        .maxHistory(10)
        .hiddenSizes(16, 8)
        .microBatchSize(16)
        .seed(3)
        .build();
  }

  private static List<TrainingSample> samples(int n, long seed) {
    return TrainingSamples.random(n, seed, 1, 8, 7, 9);
  }

  private static SnapshotMetadata meta(long checkpointId, DareModel model) {
    return SnapshotMetadata.builder()
        .setModelId("m")
        .setEpoch(1)
        .setVersion(model.version())
        .setCheckpointId(checkpointId)
        .optModelConfig(model.config().toProperties())
        .build();
  }

  @Test
  void aCheckpointHoldsTheModelOfItsBarrierWhileTrainingGoesOn() throws Exception {
    DareModel model = DareModel.create(config());
    Path work = tmp.resolve("work");
    ModelCheckpointing durable =
        new ModelCheckpointing(work, tmp.resolve("exports"), tmp.resolve("snapshots"), 2);
    durable.start(model);
    model.trainBatch(samples(64, 1));
    long atBarrier = model.version();
    List<TrainingSample> probes = samples(20, 9);
    float[] expected = model.score(probes);

    CompletableFuture<ExportResult> exported = durable.checkpoint(1, model, "m", 1, meta(1, model));
    // The trainer trains on at once, before (and while) the checkpoint is written.
    model.trainBatch(samples(64, 2));
    model.trainBatch(samples(64, 3));
    assertThat(exported.get(60, TimeUnit.SECONDS).filesCopied()).isPositive();

    AtomicReference<ModelCheckpointing.Published> announced = new AtomicReference<>();
    ModelCheckpointing.Published published =
        durable.publish(1, announced::set).get(60, TimeUnit.SECONDS);
    assertThat(announced.get()).isSameAs(published);
    assertThat(published.manifest().version()).isEqualTo(atBarrier);
    VerifiedSnapshot snapshot =
        SnapshotReader.findNewestValid(tmp.resolve("snapshots")).snapshot().orElseThrow();
    try (var store = snapshot.openStore()) {
      DareModel fromSnapshot = ModelStoreSync.load(store);
      assertThat(fromSnapshot.version()).isEqualTo(atBarrier).isLessThan(model.version());
      assertThat(fromSnapshot.score(probes)).isEqualTo(expected);
    }
    durable.close();

    // A restore from the export (another working directory, as after a failure) gets the same.
    ModelCheckpointing second =
        new ModelCheckpointing(
            tmp.resolve("work-2"), tmp.resolve("exports"), tmp.resolve("snapshots-2"), 2);
    try {
      DareModel restored = second.restore(1);
      assertThat(restored.version()).isEqualTo(atBarrier);
      assertThat(restored.score(probes)).isEqualTo(expected);
    } finally {
      second.close();
    }
  }

  @Test
  void checkpointsArePersistedInOrderAndCloseWaitsForThem() throws Exception {
    DareModel model = DareModel.create(config());
    ModelCheckpointing durable =
        new ModelCheckpointing(
            tmp.resolve("work"), tmp.resolve("exports"), tmp.resolve("snapshots"), 3);
    durable.start(model);
    List<CompletableFuture<ExportResult>> exports = new ArrayList<>();
    List<Long> versions = new ArrayList<>();
    for (long id = 1; id <= 3; id++) {
      model.trainBatch(samples(32, 10 + id));
      versions.add(model.version());
      exports.add(durable.checkpoint(id, model, "m", 1, meta(id, model)));
    }
    CompletableFuture<ModelCheckpointing.Published> last = durable.publish(3, p -> {});
    durable.close(); // returns only once everything asked for is done

    assertThat(exports).allSatisfy(f -> assertThat(f).isCompleted().isNotCompletedExceptionally());
    assertThat(last).isDone();
    assertThat(last.get().manifest().version()).isEqualTo(versions.get(2));
  }

  @Test
  void afterAFailedBackgroundCheckpointNoLaterOneCanComplete() throws Exception {
    DareModel model = DareModel.create(config());
    Path exports = tmp.resolve("exports");
    ModelCheckpointing durable =
        new ModelCheckpointing(tmp.resolve("work"), exports, tmp.resolve("snapshots"), 2);
    try {
      durable.start(model);
      model.trainBatch(samples(32, 20));
      // Checkpoint 1 cannot be exported: an export of that id is already there.
      java.nio.file.Files.createDirectories(exports.resolve("checkpoints").resolve("1"));
      CompletableFuture<ExportResult> first = durable.checkpoint(1, model, "m", 1, meta(1, model));
      assertThatThrownBy(() -> first.get(60, TimeUnit.SECONDS))
          .hasRootCauseMessage("checkpoint 1 is already exported");

      // Its rows left the dirty trackers without reaching the store: checkpoint 2 must not
      // complete without them.
      model.trainBatch(samples(32, 21));
      assertThatThrownBy(() -> durable.checkpoint(2, model, "m", 1, meta(2, model)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("checkpoint 1 failed in the background");
    } finally {
      durable.close();
    }
  }

  @Test
  void aRowExpiredBeforeACheckpointIsDeletedFromTheStoreAndAbsentFromItsSnapshot()
      throws Exception {
    DareModel model = DareModel.create(config().toBuilder().expiryMs(1_000).build());
    OnlineTrainer trainer = new OnlineTrainer(model, "m", 1, 16, 2048, 100);
    UnboundedIds stream = new UnboundedIds(4, TrainingSamples.T0, 50); // 50 ms apart
    Path snapshots = tmp.resolve("snapshots");
    ModelCheckpointing durable =
        new ModelCheckpointing(tmp.resolve("work"), tmp.resolve("exports"), snapshots, 2);
    long expiring;
    try {
      durable.start(model);
      TrainingSample first = stream.next();
      expiring = first.targetItem(); // a fresh id, never seen again
      trainer.add(first);
      train(trainer, stream, 63);
      assertThat(model.table(TableNames.ATT_ITEM).contains(expiring)).isTrue();
      checkpointAndPublish(durable, model, 1);

      train(trainer, stream, 64); // 3.2 s of event time later: expiring is stale
      assertThat(trainer.expireRows()).isPositive();
      assertThat(model.table(TableNames.ATT_ITEM).contains(expiring)).isFalse();
      checkpointAndPublish(durable, model, 2);
    } finally {
      durable.close();
    }

    VerifiedSnapshot newest = SnapshotReader.findNewestValid(snapshots).snapshot().orElseThrow();
    assertThat(newest.manifest().checkpointId()).isEqualTo(2);
    try (ModelStore store = newest.openStore()) {
      assertThat(store.getRow(TableNames.ATT_ITEM, expiring)).isNull();
      assertThat(ModelStoreSync.load(store).table(TableNames.ATT_ITEM).size())
          .isEqualTo(model.table(TableNames.ATT_ITEM).size());
    }
    // The previous snapshot still has it (it was alive then).
    try (ModelStore store =
        SnapshotReader.verify(snapshots.resolve("snapshot-e1-c1")).openStore()) {
      assertThat(store.getRow(TableNames.ATT_ITEM, expiring)).isNotNull();
    }
    // A restore from the exported checkpoint does not bring it back either.
    ModelCheckpointing again =
        new ModelCheckpointing(
            tmp.resolve("work-2"), tmp.resolve("exports"), tmp.resolve("snapshots-2"), 2);
    try {
      assertThat(again.restore(2).table(TableNames.ATT_ITEM).contains(expiring)).isFalse();
    } finally {
      again.close();
    }
  }

  private static void train(OnlineTrainer trainer, UnboundedIds stream, int n) {
    for (int i = 0; i < n; i++) {
      trainer.add(stream.next());
    }
    trainer.trainPending();
  }

  private static void checkpointAndPublish(ModelCheckpointing durable, DareModel model, long id)
      throws Exception {
    durable.checkpoint(id, model, "m", 1, meta(id, model)).get(60, TimeUnit.SECONDS);
    durable.publish(id, p -> {}).get(60, TimeUnit.SECONDS);
  }
}
