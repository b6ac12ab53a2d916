package io.darestream.serving.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.sync.DeltaStamp;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.SnapshotPartRows;
import io.darestream.serving.ServingServer;
import io.darestream.serving.fixtures.LoopbackServers;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotPartWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving's bootstrap from the sharded stage's snapshot sets, through the real server: it serves
 * the newest complete set of N + 1 parts, reloads a newer set written at another parallelism (the
 * job restored with another {@code --trainer-parallelism}: another epoch, another number of parts),
 * and refuses a set with a corrupt part while it keeps serving the previous one.
 */
class ShardedSnapshotServingTest {
  private static final String MODEL = "dare";
  private static final DareConfig CONFIG =
      DareConfig.builder().attentionDim(4).representationDim(8).topK(3).maxHistory(10).build();
  private static final DareModel INITIAL = DareModel.create(CONFIG);

  @TempDir Path snapshots;
  @TempDir Path staging;
  @TempDir Path data;

  /**
   * Writes a set of {@code owners} owner parts plus the averager's: item {@code i} of att.item
   * (owned by owner {@code i % owners}) holds {@code value + i}, every dense weight {@code value}.
   */
  private List<Path> set(long epoch, long checkpoint, int owners, float value) throws IOException {
    List<Path> parts = new ArrayList<>();
    for (int w = 0; w <= owners; w++) {
      int writer = w;
      Path src = Files.createDirectories(staging.resolve(epoch + "-" + checkpoint + "-" + w));
      SnapshotPartRows.write(
          src.resolve("rows"),
          new DeltaStamp(MODEL, epoch, 100 + w, -1, -1, -1, 0, writer),
          out -> {
            if (writer == 0) {
              for (DenseBlock b : INITIAL.dense().blocks()) {
                float[] v = new float[b.values().length];
                Arrays.fill(v, value);
                out.addDense(new DenseBlock(b.name(), v));
              }
              return;
            }
            for (long item = 0; item < 12; item++) {
              if (item % owners == writer - 1) {
                float[] row = new float[INITIAL.table("att.item").rowWidth()];
                Arrays.fill(row, value + item);
                out.addRow("att.item", 4, item, row);
              }
            }
          });
      parts.add(
          new SnapshotPartWriter(snapshots, writer, 3)
              .publish(
                  SnapshotMetadata.builder()
                      .setModelId(MODEL)
                      .setEpoch(epoch)
                      .setVersion(100 + w)
                      .setCheckpointId(checkpoint)
                      .optModelConfig(CONFIG.toProperties())
                      .addDeltaOffset("model-deltas", 0, 10 * checkpoint)
                      .build(),
                  owners + 1,
                  src));
    }
    return parts;
  }

  private static void assertServes(ServingServer server, float value) {
    for (long item = 0; item < 12; item++) {
      assertThat(server.readWeights("att.item", item))
          .as("item " + item)
          .containsOnly(value + item);
    }
    String block = INITIAL.dense().names().get(0);
    assertThat(server.readWeights(ModelDeltas.DENSE_PREFIX + block, 0)).containsOnly(value);
  }

  @Test
  void servesTheNewestCompleteSetAndASetOfAnotherParallelismAfterARestore() throws IOException {
    set(1, 4, 2, 0.5f);
    set(1, 5, 2, 1.5f);
    try (ServingServer server = LoopbackServers.builder(snapshots, data).build().start()) {
      assertServes(server, 1.5f);
      assertThat(server.modelStatus().orElseThrow().snapshot()).endsWith("part-e1-c5-w*-of-3");

      // Restored at trainer parallelism 1 (sharded): a new epoch, sets of two parts.
      set(2, 6, 1, 3.5f);
      assertThat(server.reloadNewestSnapshot()).isTrue();
      assertServes(server, 3.5f);
      assertThat(server.modelStatus().orElseThrow().position().epoch()).isEqualTo(2);

      // And at 4: five parts.
      set(3, 9, 4, 5.5f);
      assertThat(server.reloadNewestSnapshot()).isTrue();
      assertServes(server, 5.5f);
      assertThat(server.metrics().snapshotsRefusedCount()).isZero();
    }
  }

  @Test
  void aSetWithACorruptPartIsRefusedAndThePreviousSetServed() throws IOException {
    set(1, 4, 2, 0.5f);
    List<Path> newer = set(1, 5, 2, 1.5f);
    Path rows = newer.get(2).resolve("data/rows");
    try (FileChannel ch = FileChannel.open(rows, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x42}), 30);
    }

    try (ServingServer server = LoopbackServers.builder(snapshots, data).build().start()) {
      assertServes(server, 0.5f);
      assertThat(server.metrics().snapshotsRefusedCount()).isEqualTo(1);
    }
  }

  @Test
  void aSetStillMissingAPartIsWaitingNotRefused() throws IOException {
    set(1, 4, 2, 0.5f);
    List<Path> newer = set(1, 5, 2, 1.5f);
    try (var s = Files.walk(newer.get(1))) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }

    try (ServingServer server = LoopbackServers.builder(snapshots, data).build().start()) {
      assertServes(server, 0.5f);
      assertThat(server.metrics().snapshotsRefusedCount()).isZero();
    }
  }
}
