package io.darestream.model.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import io.darestream.state.model.ModelStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelSyncTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir Path tmp;

  private static DareConfig config(Variant variant) {
    return DareConfig.builder()
        .variant(variant)
        .attentionDim(variant == Variant.TWIN ? 8 : 4)
        .representationDim(8)
        .topK(3)
        .maxHistory(10)
        .hiddenSizes(16, 8)
        .microBatchSize(16)
        .seed(7)
        .build();
  }

  private static List<TrainingSample> samples(int n, long seed) {
    Random r = new Random(seed);
    List<TrainingSample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 1 + r.nextInt(8);
      long[] items = new long[len];
      long[] cats = new long[len];
      for (int j = 0; j < len; j++) {
        items[j] = r.nextInt(40);
        cats[j] = items[j] % 5;
      }
      long target = r.nextInt(40);
      out.add(
          new TrainingSample(
              r.nextInt(6), target, target % 5, r.nextInt(2), T0 + i, T0 + i, items, cats));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void deltasCarryTheTrainedModelToAnotherProcess(Variant variant) {
    DareModel trainer = DareModel.create(config(variant));
    DareModel replica = DareModel.create(config(variant));
    DeltaStamp stamp = new DeltaStamp("m", 3, 0, T0, T0, T0, T0);

    trainer.trainBatch(samples(64, 1));
    List<ModelDelta> deltas = new ArrayList<>(ModelDeltas.drainChangedRows(trainer, stamp, 7));
    deltas.addAll(ModelDeltas.denseBlocks(trainer, stamp));
    for (ModelDelta d : deltas) {
      // Through the wire format, as serving receives them.
      ModelDeltas.apply(replica, Codecs.MODEL_DELTA.decode(Codecs.MODEL_DELTA.encode(d)));
    }

    for (TrainingSample s : samples(20, 2)) {
      assertThat(replica.score(s)).isEqualTo(trainer.score(s));
    }
    assertThat(deltas).allSatisfy(d -> assertThat(d.getRows().size()).isLessThanOrEqualTo(7));
    assertThat(ModelDeltas.drainChangedRows(trainer, stamp, 7)).isEmpty();
  }

  @Test
  void onlyRowsChangedSincePublishAreSent() {
    DareModel model = DareModel.create(config(Variant.DARE));
    DeltaStamp stamp = new DeltaStamp("m", 1, 0, T0, T0, T0, T0);
    model.trainBatch(samples(32, 3));
    ModelDeltas.drainChangedRows(model, stamp, 1000);

    TrainingSample one = samples(1, 4).get(0);
    model.trainBatch(List.of(one));
    List<ModelDelta> deltas = ModelDeltas.drainChangedRows(model, stamp, 1000);

    long itemRows =
        deltas.stream()
            .filter(d -> d.getTable().equals("repr.item"))
            .mapToLong(d -> d.getRows().size())
            .sum();
    // The target plus at most K retrieved behaviours were touched in repr.item.
    assertThat(itemRows).isBetween(1L, 1L + 3L);
  }

  @Test
  void refusesRowsOfTheWrongWidth() {
    DareModel model = DareModel.create(config(Variant.DARE));
    DeltaStamp stamp = new DeltaStamp("m", 1, 5, T0, T0, T0, T0);
    model.trainBatch(samples(8, 5));
    ModelDelta d = ModelDeltas.drainChangedRows(model, stamp, 1000).get(0);
    d.setDim(d.getDim() + 1);
    assertThatThrownBy(() -> ModelDeltas.apply(DareModel.create(config(Variant.DARE)), d))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dim");
  }

  @Test
  void refusesADenseRowWhoseClaimedWidthOverflowsBeforeAllocatingIt() {
    // dim * 4 is 0 in int arithmetic: an empty row must not pass as a row of 2^30 floats.
    ModelDelta forged =
        ModelDelta.newBuilder()
            .setModelId("m")
            .setEpoch(1)
            .setVersion(1)
            .setTable(ModelDeltas.DENSE_PREFIX + "mlp.0.weight")
            .setDim(1 << 30)
            .setRows(List.of(new DeltaRow(0L, ByteBuffer.allocate(0))))
            .setNewestEventTimeMs(T0)
            .setPublishTimeMs(T0)
            .build();

    assertThatThrownBy(() -> ModelDeltas.apply(DareModel.create(config(Variant.DARE)), forged))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row has 0 bytes, expected 4294967296");
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void storeRoundTripRestoresEveryRowAndTheOptimizerState(Variant variant) {
    DareModel model = DareModel.create(config(variant));
    model.trainBatch(samples(64, 6));
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), ModelStoreSync.layout(model))) {
      ModelStoreSync.flushChanges(model, store, "m-1", 4);
      model.trainBatch(samples(32, 7)); // changes after the first flush
      ModelStoreSync.flushChanges(model, store, "m-1", 4);

      DareModel restored = ModelStoreSync.load(store);
      assertThat(ModelStoreSync.epoch(store)).isEqualTo(4);
      assertThat(ModelStoreSync.modelId(store)).isEqualTo("m-1");
      assertThat(restored.version()).isEqualTo(model.version());
      for (EmbeddingTable t : model.tables()) {
        EmbeddingTable r = restored.table(t.name());
        assertThat(r.size()).isEqualTo(t.size());
        float[] a = new float[t.rowWidth()];
        float[] b = new float[t.rowWidth()];
        for (long id : t.ids()) {
          t.readRow(id, a);
          assertThat(r.readRow(id, b)).isTrue();
          assertThat(b).isEqualTo(a);
        }
      }
      for (DenseBlock block : model.dense().optimizerBlocks()) {
        assertThat(store.getDense(block.name())).isEqualTo(block.values());
      }
      // Identical state: training both on the same batch gives identical predictions.
      List<TrainingSample> next = samples(16, 8);
      assertThat(restored.trainBatch(next).predictions())
          .isEqualTo(model.trainBatch(next).predictions());
    }
  }

  @Test
  void capturedChangesWriteTheModelAsItWasAtTheCaptureNotAsItIsNow() {
    DareModel model = DareModel.create(config(Variant.DARE));
    model.trainBatch(samples(64, 9));
    ModelChanges changes = ModelStoreSync.captureChanges(model, "m-1", 2);
    DareModel atCapture;
    try (ModelStore reference =
        ModelStore.open(tmp.resolve("reference"), ModelStoreSync.layout(model))) {
      ModelStoreSync.writeAll(model, reference, "m-1", 2);
      atCapture = ModelStoreSync.load(reference);
    }
    // Training goes on while the copy waits to be written (the trainer's checkpoint thread).
    model.trainBatch(samples(64, 10));
    model.trainBatch(samples(64, 11));

    try (ModelStore store = ModelStore.open(tmp.resolve("db"), ModelStoreSync.layout(model))) {
      assertThat(changes.writeTo(store)).isEqualTo(changes.rows()).isPositive();
      DareModel written = ModelStoreSync.load(store);
      assertThat(written.version()).isEqualTo(atCapture.version()).isLessThan(model.version());
      for (TrainingSample s : samples(30, 12)) {
        assertThat(written.score(s)).isEqualTo(atCapture.score(s));
      }
      // Rows of more than one chunk, and every row the capture held, came through.
      EmbeddingTable t = atCapture.table("repr.item");
      float[] a = new float[t.rowWidth()];
      float[] b = new float[t.rowWidth()];
      for (long id : t.ids()) {
        t.readRow(id, a);
        assertThat(written.table("repr.item").readRow(id, b)).isTrue();
        assertThat(b).isEqualTo(a);
      }
    }
  }

  @Test
  void capturedChangesSpanningSeveralChunksAreAllWritten() {
    DareModel model = DareModel.create(config(Variant.DARE));
    EmbeddingTable t = model.table("att.item");
    int rows = ModelChanges.CHUNK_ROWS * 2 + 5;
    model.exclusive(
        () -> {
          float[] row = new float[t.rowWidth()];
          for (long id = 0; id < rows; id++) {
            java.util.Arrays.fill(row, id);
            t.writeRow(id, row);
          }
          t.dirty().markAll(t.ids(), t.size());
          return null;
        });
    ModelChanges changes = ModelStoreSync.captureChanges(model, "m-1", 1);
    assertThat(changes.rows()).isEqualTo(rows);
    try (ModelStore store = ModelStore.open(tmp.resolve("chunks"), ModelStoreSync.layout(model))) {
      changes.writeTo(store);
      float[] b = new float[t.rowWidth()];
      for (long id : new long[] {0, ModelChanges.CHUNK_ROWS, rows - 1}) {
        assertThat(store.getRow("att.item", id, b)).isTrue();
        assertThat(b[0]).isEqualTo((float) id);
      }
    }
  }

  @Test
  void largeTablesLoadOnTheirOwnThreadsWithEveryRowIntact() {
    DareModel model = DareModel.create(config(Variant.DARE));
    int rows = 150_000; // above the parallel-load threshold in both item tables
    java.util.Map<String, float[]> written = new java.util.HashMap<>();
    model.exclusive(
        () -> {
          for (String name : List.of("att.item", "repr.item")) {
            EmbeddingTable t = model.table(name);
            float[] row = new float[t.rowWidth()];
            for (long id = 0; id < rows; id++) {
              java.util.Arrays.fill(row, id * 0.001f + name.length());
              t.writeRow(id, row);
            }
            written.put(name, row.clone());
          }
          return null;
        });
    try (ModelStore store = ModelStore.open(tmp.resolve("big"), ModelStoreSync.layout(model))) {
      ModelStoreSync.writeAll(model, store, "m-big", 1);
      DareModel loaded = ModelStoreSync.load(store);
      for (String name : List.of("att.item", "repr.item")) {
        EmbeddingTable t = loaded.table(name);
        assertThat(t.size()).isEqualTo(rows);
        float[] b = new float[t.rowWidth()];
        for (long id : new long[] {0, 1, 77_777, rows - 1}) {
          assertThat(t.readRow(id, b)).isTrue();
          assertThat(b[0]).isEqualTo(id * 0.001f + name.length());
        }
        assertThat(t.readRow(rows - 1, b)).isTrue();
        assertThat(b).containsExactly(written.get(name));
      }
    }
  }
}
