package io.darestream.state.snapshot;

import io.darestream.state.model.ModelStore;
import io.darestream.state.model.ModelStoreLayout;
import java.nio.file.Path;
import java.util.Random;

/** Small model stores and metadata for the snapshot tests (and the child JVM). */
final class SnapshotFixtures {
  static final ModelStoreLayout LAYOUT =
      ModelStoreLayout.builder().addTable("att.item", 8).addTable("repr.item", 8).build();

  private SnapshotFixtures() {}

  static void writeRows(ModelStore store, long seed, int n) {
    Random rnd = new Random(seed);
    long[] ids = new long[n];
    float[] rows = new float[n * 8];
    for (int i = 0; i < n; i++) {
      ids[i] = rnd.nextInt(50_000);
      for (int j = 0; j < 8; j++) {
        rows[i * 8 + j] = (float) rnd.nextGaussian();
      }
    }
    store.putRows("att.item", ids, rows);
    store.putRows("repr.item", ids, rows);
    store.putDense("mlp", new float[] {1, 2, 3});
  }

  static SnapshotMetadata meta(long epoch, long checkpointId) {
    return SnapshotMetadata.builder()
        .setModelId("dare-test")
        .setEpoch(epoch)
        .setVersion(checkpointId * 100)
        .setCheckpointId(checkpointId)
        .optModelConfig("{\"dAtt\":16,\"k\":20}")
        .addDeltaOffset("model-deltas", 0, 42 * checkpointId)
        .putMetric("auc", 0.75)
        .build();
  }

  /** Creates a store in {@code work/db}, checkpoints it to {@code work/cp<id>}. */
  static Path checkpoint(ModelStore store, Path work, long id) {
    Path cp = work.resolve("cp" + id);
    store.checkpoint(cp);
    return cp;
  }
}
