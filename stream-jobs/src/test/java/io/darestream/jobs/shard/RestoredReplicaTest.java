package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.SnapshotPartRows;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotPartWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restored trainer's replica comes from the snapshot set of exactly the restored checkpoint (its
 * id and epoch), of the job's model config, verified; anything else (another checkpoint, another
 * config, a corrupt part) gives no set, and the trainer falls back to rebuilding from the topic.
 */
class RestoredReplicaTest {
  private static final DareConfig CONFIG =
      DareConfig.builder().attentionDim(4).representationDim(8).topK(3).maxHistory(10).build();

  @TempDir Path root;
  @TempDir Path staging;

  /** One owner (writer 1: row 4 of att.item) and the averager (writer 0: dense) of (epoch, c). */
  private Path[] set(long epoch, long checkpoint, float value) throws IOException {
    DareModel initial = DareModel.create(CONFIG);
    Path averager =
        part(
            epoch,
            checkpoint,
            0,
            w -> {
              for (DenseBlock b : initial.dense().blocks()) {
                float[] v = b.values().clone();
                Arrays.fill(v, value);
                w.addDense(new DenseBlock(b.name(), v));
              }
            });
    float[] row = new float[initial.table("att.item").rowWidth()];
    Arrays.fill(row, value);
    Path owner = part(epoch, checkpoint, 1, w -> w.addRow("att.item", 4, 4, row));
    return new Path[] {averager, owner};
  }

  private Path part(long epoch, long checkpoint, int writer, SnapshotPartRows.RowSource rows)
      throws IOException {
    Path src =
        Files.createDirectories(staging.resolve("e" + epoch + "c" + checkpoint + "w" + writer));
    SnapshotPartRows.write(
        src.resolve("rows"), new DeltaStamp("dare", epoch, 9, -1, -1, -1, 0, writer), rows);
    SnapshotMetadata.Builder meta =
        SnapshotMetadata.builder()
            .setModelId("dare")
            .setEpoch(epoch)
            .setVersion(9)
            .setCheckpointId(checkpoint)
            .optModelConfig(CONFIG.toProperties())
            .addDeltaOffset("model-deltas", 0, 40 + writer);
    return new SnapshotPartWriter(root, writer, 5).publish(meta.build(), 2, src);
  }

  private static float first(DareModel m, String table, long id) {
    float[] w = new float[m.table(table).dim()];
    m.table(table).copyWeights(id, w, 0);
    return w[0];
  }

  @Test
  void theSetOfTheRestoredCheckpointIsTheReplicaAndTellsWhereTheTopicContinues()
      throws IOException {
    set(2, 10, 0.5f);
    set(2, 12, 0.75f); // a newer checkpoint than the one restored: not the replica

    var loaded = RestoredReplica.load(root, 10, 2, CONFIG).orElseThrow();

    assertThat(first(loaded.model(), "att.item", 4)).isEqualTo(0.5f);
    assertThat(loaded.model().dense().blocks().get(0).values()[0]).isEqualTo(0.5f);
    assertThat(RestoredReplica.startOffsets(loaded, "model-deltas")).isEqualTo(Map.of(0, 40L));
    assertThat(RestoredReplica.startOffsets(loaded, "other-topic")).isEmpty();
  }

  @Test
  void anotherCheckpointEpochOrConfigOrACorruptPartGivesNoSet() throws IOException {
    Path[] parts = set(2, 10, 0.5f);

    assertThat(RestoredReplica.load(root, 11, 2, CONFIG)).as("no set of checkpoint 11").isEmpty();
    assertThat(RestoredReplica.load(root, 10, 3, CONFIG)).as("checkpoint 10 of epoch 3").isEmpty();
    DareConfig other =
        DareConfig.builder().attentionDim(8).representationDim(8).topK(3).maxHistory(10).build();
    assertThat(RestoredReplica.load(root, 10, 2, other)).as("another model config").isEmpty();

    Path rows = parts[1].resolve("data/rows");
    try (FileChannel ch = FileChannel.open(rows, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x55}), Files.size(rows) - 3);
    }
    assertThat(RestoredReplica.load(root, 10, 2, CONFIG)).as("a corrupt part").isEmpty();
  }
}
