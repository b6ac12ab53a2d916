package io.darestream.serving.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareModel;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.serving.fixtures.TrainedModels;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deltas on a real model loaded from a real snapshot: after the trainer's changed rows (and dense
 * blocks) are applied, serving holds exactly the trainer's model.
 */
class DareDeltaTest {
  @TempDir Path root;
  @TempDir Path work;

  @Test
  void afterApplyingTheTrainersChangedRowsServingHoldsTheTrainersModel() {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(40)), 3, 1);
    ServingMetrics metrics = new ServingMetrics();
    LiveModel live = servingASnapshotOf(trainer, metrics);

    TrainedModels.train(trainer, 3, 2); // the trainer moves on
    for (String table : trainer.tableNames()) {
      live.apply(changedRows(trainer, table));
    }
    DeltaStamp stamp = new DeltaStamp(TrainedModels.MODEL_ID, 1, trainer.version(), 0, 0, 0, 0);
    ModelDeltas.denseBlocks(trainer, stamp).forEach(live::apply);
    ModelDelta stale = changedRows(trainer, "att.item");
    stale.setEpoch(0);
    live.apply(stale);

    assertThat(live.position()).contains(new ModelVersion(1, trainer.version()));
    for (String table : trainer.tableNames()) {
      for (long id : trainer.table(table).ids()) {
        float[] expected = new float[trainer.table(table).dim()];
        trainer.table(table).copyWeights(id, expected, 0);
        assertThat(live.readWeights(table, id)).as(table + "/" + id).containsExactly(expected);
      }
    }
    for (String name : trainer.dense().names()) {
      assertThat(live.readWeights(ModelDeltas.DENSE_PREFIX + name, 0))
          .containsExactly(trainer.dense().block(name).values());
    }
    assertThat(metrics.deltasIgnoredStaleEpochCount()).isEqualTo(1);
  }

  @Test
  void aDeltaWithNaNIsRefusedCountedAndNeverServed() {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(40)), 3, 1);
    ServingMetrics metrics = new ServingMetrics();
    LiveModel live = servingASnapshotOf(trainer, metrics);
    long id = trainer.table("repr.item").ids()[0];
    float[] before = live.readWeights("repr.item", id);
    float[] poisoned = before.clone();
    poisoned[0] = Float.NaN;
    ModelDelta delta =
        record(
            trainer, "repr.item", before.length, List.of(row(id, poisoned), row(id + 1, before)));
    delta.setVersion(trainer.version() + 1);

    assertThat(live.apply(delta)).isEqualTo(DeltaOutcome.NON_FINITE);
    assertThat(live.readWeights("repr.item", id)).containsExactly(before);
    assertThat(metrics.badRecordCount("model-deltas", "non_finite")).isEqualTo(1);
    assertThat(live.position()).contains(new ModelVersion(1, trainer.version()));
  }

  @Test
  void rowsTheTrainerExpiredAreDeletedInServingByTheirDeletionDeltas() {
    DareModel trainer =
        DareModel.create(TrainedModels.smallConfig(40).toBuilder().expiryMs(1_500).build());
    TrainedModels.train(trainer, 3, 1); // batches at event times 0, 1,000 and 2,000 ms
    TrainedModels.publish(trainer, root, work, 1, 1, 0);
    trainer.tables().forEach(t -> t.dirty().drainSincePublish()); // the snapshot holds them
    ServingMetrics metrics = new ServingMetrics();
    LiveModel live = new LiveModel(metrics);
    DareModelHandle served = new SnapshotModelLoader(root, metrics).loadNewestValid().orElseThrow();
    live.install(served);
    String table = "att.item";
    long[] before = served.model().table(table).ids();

    // Rows not updated since 3,200 - 1,500 ms (the batches at 0 and 1,000 only) expire.
    assertThat(trainer.expire(3_200)).isPositive();
    DeltaStamp stamp = new DeltaStamp(TrainedModels.MODEL_ID, 1, trainer.version(), 0, 0, 0, 0);
    List<ModelDelta> deltas = ModelDeltas.drainChangedRows(trainer, stamp, 2048);
    assertThat(deltas)
        .allSatisfy(
            d ->
                assertThat(d.getRows())
                    .allSatisfy(r -> assertThat(r.getValues().remaining()).isZero()));
    deltas.forEach(d -> assertThat(live.apply(d)).isEqualTo(DeltaOutcome.APPLIED));

    int gone = 0;
    for (long id : before) {
      boolean alive = trainer.table(table).contains(id);
      assertThat(served.model().table(table).contains(id)).as("row %d", id).isEqualTo(alive);
      if (!alive) {
        gone++;
        // Gone, it reads as its initial value, on both sides.
        float[] expected = new float[trainer.table(table).dim()];
        trainer.table(table).copyWeights(id, expected, 0);
        assertThat(live.readWeights(table, id)).containsExactly(expected);
      }
    }
    assertThat(gone).isPositive().isLessThan(before.length);
    for (String t : trainer.tableNames()) {
      assertThat(live.status().orElseThrow().rowsPerTable().get(t))
          .as(t)
          .isEqualTo((long) trainer.table(t).size());
    }
  }

  private static ModelDelta changedRows(DareModel trainer, String table) {
    var t = trainer.table(table);
    List<DeltaRow> rows = new ArrayList<>();
    for (long id : t.ids()) {
      float[] w = new float[t.dim()];
      t.copyWeights(id, w, 0);
      rows.add(row(id, w));
    }
    return record(trainer, table, t.dim(), rows);
  }

  private static DeltaRow row(long id, float[] values) {
    return new DeltaRow(id, ModelDeltas.packRow(values));
  }

  private static ModelDelta record(DareModel trainer, String table, int dim, List<DeltaRow> rows) {
    return ModelDelta.newBuilder()
        .setModelId(TrainedModels.MODEL_ID)
        .setEpoch(1)
        .setVersion(trainer.version())
        .setTable(table)
        .setDim(dim)
        .setRows(rows)
        .setNewestEventTimeMs(0)
        .setPublishTimeMs(0)
        .build();
  }

  /** Serving's live model loaded from a snapshot of {@code trainer} (epoch 1) published now. */
  private LiveModel servingASnapshotOf(DareModel trainer, ServingMetrics metrics) {
    TrainedModels.publish(trainer, root, work, 1, 1, 0);
    LiveModel live = new LiveModel(metrics);
    live.install(new SnapshotModelLoader(root, metrics).loadNewestValid().orElseThrow());
    return live;
  }
}
