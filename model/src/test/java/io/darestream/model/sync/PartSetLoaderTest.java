package io.darestream.model.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.state.snapshot.DeltaOffset;
import io.darestream.state.snapshot.SnapshotMetadata;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotPartWriter;
import io.darestream.state.snapshot.SnapshotRejectedException;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sets of sharded snapshot parts, written by state's {@link SnapshotPartWriter} with the rows
 * format of {@link SnapshotPartRows}, loaded by {@link PartSetLoader}: a complete set loads with
 * per-writer versions and minimum offsets; a set missing a part waits; a corrupt or forged part
 * refuses its set and the previous complete set is loaded instead.
 */
class PartSetLoaderTest {
  private static final String MODEL = "m1";
  private static final DareConfig CONFIG =
      DareConfig.builder()
          .attentionDim(4)
          .representationDim(8)
          .topK(3)
          .maxHistory(10)
          .hiddenSizes(16, 8)
          .seed(7)
          .build();

  @TempDir Path root;
  @TempDir Path staging;

  private static final DareModel INITIAL = DareModel.create(CONFIG);

  /** A row of {@code table} (weights and optimizer slots): every value {@code value}. */
  private static float[] row(String table, float value) {
    float[] r = new float[INITIAL.table(table).rowWidth()];
    Arrays.fill(r, value);
    return r;
  }

  private Path part(
      long epoch,
      long checkpoint,
      int writer,
      int writers,
      long version,
      Map<Integer, Long> offsets,
      SnapshotPartRows.RowSource rows)
      throws IOException {
    Path src =
        Files.createDirectories(staging.resolve("e" + epoch + "c" + checkpoint + "w" + writer));
    SnapshotPartRows.write(
        src.resolve("rows"), new DeltaStamp(MODEL, epoch, version, -1, -1, -1, 0, writer), rows);
    SnapshotMetadata.Builder meta =
        SnapshotMetadata.builder()
            .setModelId(MODEL)
            .setEpoch(epoch)
            .setVersion(version)
            .setCheckpointId(checkpoint)
            .optModelConfig(CONFIG.toProperties());
    offsets.forEach((p, o) -> meta.addDeltaOffset("model-deltas", p, o));
    return new SnapshotPartWriter(root, writer, 5).publish(meta.build(), writers, src);
  }

  /** A set of two owners and the averager; owner i's rows hold {@code base + i}. */
  private List<Path> set(long epoch, long checkpoint, float base) throws IOException {
    DareModel initial = DareModel.create(CONFIG);
    List<Path> parts = new ArrayList<>();
    parts.add(
        part(
            epoch,
            checkpoint,
            0,
            3,
            7,
            Map.of(0, 40L, 1, 12L),
            w -> {
              for (DenseBlock b : initial.dense().blocks()) {
                float[] v = b.values().clone();
                Arrays.fill(v, base);
                w.addDense(new DenseBlock(b.name(), v));
              }
            }));
    parts.add(
        part(
            epoch,
            checkpoint,
            1,
            3,
            5_000,
            Map.of(0, 38L, 1, 15L),
            w -> {
              w.addRow("att.item", 4, 1, row("att.item", base + 1));
              w.addRow("repr.item", 8, 1, row("repr.item", base + 1));
            }));
    parts.add(
        part(
            epoch,
            checkpoint,
            2,
            3,
            4_000,
            Map.of(0, 41L), // published nothing on partition 1 yet: tail it from its start
            w -> w.addRow("att.item", 4, 2, row("att.item", base + 2))));
    return parts;
  }

  private static float first(DareModel m, String table, long id) {
    float[] out = new float[m.table(table).dim()];
    m.table(table).copyWeights(id, out, 0);
    return out[0];
  }

  @Test
  void loadsACompleteSetWithEachWritersVersionAndTheSmallestOffsets() throws IOException {
    set(3, 10, 0.5f);

    PartSetLoader.LoadedSet s =
        PartSetLoader.loadNewest(
                root,
                e -> {
                  throw e;
                })
            .orElseThrow();

    assertThat(s.epoch()).isEqualTo(3);
    assertThat(s.checkpointId()).isEqualTo(10);
    assertThat(s.writerVersions()).isEqualTo(Map.of(0, 7L, 1, 5_000L, 2, 4_000L));
    assertThat(s.version()).isEqualTo(5_000);
    assertThat(s.deltaOffsets())
        .containsExactly(
            new DeltaOffset("model-deltas", 0, 38), new DeltaOffset("model-deltas", 1, 0));
    assertThat(s.rows()).isEqualTo(3);
    assertThat(first(s.model(), "att.item", 1)).isEqualTo(1.5f);
    assertThat(first(s.model(), "att.item", 2)).isEqualTo(2.5f);
    assertThat(first(s.model(), "repr.item", 1)).isEqualTo(1.5f);
    for (DenseBlock b : s.model().dense().blocks()) {
      assertThat(b.values()).containsOnly(0.5f);
    }
  }

  @Test
  void aSetMissingAPartWaitsAndTheOlderCompleteSetIsLoaded() throws IOException {
    set(3, 10, 0.5f);
    List<Path> newer = set(3, 11, 0.25f);
    deleteTree(newer.get(2));
    List<SnapshotRejectedException> refused = new ArrayList<>();

    PartSetLoader.LoadedSet s = PartSetLoader.loadNewest(root, refused::add).orElseThrow();

    assertThat(s.checkpointId()).isEqualTo(10);
    assertThat(refused).as("waiting, not refused").isEmpty();
  }

  @Test
  void aCorruptPartRefusesItsSetAndTheOlderCompleteSetIsLoaded() throws IOException {
    set(3, 10, 0.5f);
    List<Path> newer = set(3, 11, 0.25f);
    Path rows = newer.get(1).resolve("data/rows");
    try (FileChannel ch = FileChannel.open(rows, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x55}), Files.size(rows) - 3);
    }
    List<SnapshotRejectedException> refused = new ArrayList<>();

    PartSetLoader.LoadedSet s = PartSetLoader.loadNewest(root, refused::add).orElseThrow();

    assertThat(s.checkpointId()).isEqualTo(10);
    assertThat(first(s.model(), "att.item", 1)).isEqualTo(1.5f);
    assertThat(refused)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo(SnapshotRejectedException.Reason.CORRUPT);
              assertThat(e.getMessage()).contains("SHA-256");
            });
  }

  @Test
  void aPartWhoseRecordsAreAnotherWritersIsRefusedThoughItsChecksumsHold() throws IOException {
    DareModel initial = DareModel.create(CONFIG);
    part(3, 10, 0, 2, 7, Map.of(), w -> w.addDense(initial.dense().blocks().get(0)));
    // Owner 1's part carrying rows stamped by writer 2 (a forged or misplaced file).
    Path src = Files.createDirectories(staging.resolve("forged"));
    SnapshotPartRows.write(
        src.resolve("rows"),
        new DeltaStamp(MODEL, 3, 5, -1, -1, -1, 0, 2),
        w -> w.addRow("att.item", 4, 1, row("att.item", 9)));
    new SnapshotPartWriter(root, 1, 5)
        .publish(
            SnapshotMetadata.builder()
                .setModelId(MODEL)
                .setEpoch(3)
                .setVersion(5)
                .setCheckpointId(10)
                .optModelConfig(CONFIG.toProperties())
                .build(),
            2,
            src);

    List<SnapshotRejectedException> refused = new ArrayList<>();
    assertThat(PartSetLoader.loadNewest(root, refused::add)).isEmpty();
    assertThat(refused)
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("writer 2"));
  }

  @Test
  void anOwnersPartHoldingADenseBlockIsRefused() throws IOException {
    DareModel initial = DareModel.create(CONFIG);
    part(3, 10, 0, 2, 7, Map.of(), w -> {});
    part(3, 10, 1, 2, 5, Map.of(), w -> w.addDense(initial.dense().blocks().get(0)));

    List<SnapshotRejectedException> refused = new ArrayList<>();
    assertThat(PartSetLoader.loadNewest(root, refused::add)).isEmpty();
    assertThat(refused)
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("holds dense."));
  }

  @Test
  void aNonFiniteRowRefusesTheSet() throws IOException {
    part(3, 10, 0, 2, 7, Map.of(), w -> {});
    part(3, 10, 1, 2, 5, Map.of(), w -> w.addRow("att.item", 4, 1, row("att.item", Float.NaN)));

    List<SnapshotRejectedException> refused = new ArrayList<>();
    assertThat(PartSetLoader.loadNewest(root, refused::add)).isEmpty();
    assertThat(refused).singleElement().satisfies(e -> assertThat(e.getMessage()).contains("NaN"));
  }

  @Test
  void aRowsFileClaimingAHugeRecordIsRefusedBeforeAllocating() throws IOException {
    Path file = staging.resolve("forged-rows");
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
      out.write(SnapshotPartRows.MAGIC);
      out.writeInt(SnapshotPartRows.VERSION);
      out.writeInt(Integer.MAX_VALUE); // ~2 GB claimed, 3 bytes present
      out.write(new byte[] {1, 2, 3});
    }

    assertThatThrownBy(() -> SnapshotPartRows.read(file, d -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("claims a record of " + Integer.MAX_VALUE + " bytes");
  }

  @Test
  void aRowsFileOfAnotherFormatIsRefused() throws IOException {
    Path file = staging.resolve("other");
    Files.write(file, "DARE-SNAPSHOT-MANIFEST 1\n{}".getBytes());

    assertThatThrownBy(() -> SnapshotPartRows.read(file, d -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad magic");
  }

  @Test
  void rowsRoundTripRecordByRecordWithinTheRowsPerRecord() throws IOException {
    Path file = staging.resolve("rows");
    SnapshotPartRows.write(
        file,
        new DeltaStamp(MODEL, 1, 2, -1, -1, -1, 0, 1),
        w -> {
          for (long id = 0; id < SnapshotPartRows.MAX_ROWS_PER_RECORD + 3; id++) {
            w.addRow("att.item", 4, id, row("att.item", id));
          }
        });
    List<Integer> sizes = new ArrayList<>();
    long records = SnapshotPartRows.read(file, d -> sizes.add(d.getRows().size()));

    assertThat(records).isEqualTo(2);
    assertThat(sizes).containsExactly(SnapshotPartRows.MAX_ROWS_PER_RECORD, 3);
  }

  @Test
  void retentionKeepsTheNewestCompleteSetsAndThePendingOnes() throws IOException {
    for (long c = 1; c <= 7; c++) {
      set(1, c, c);
    }
    // Checkpoint 8: only owner 1 has written (pending); retention is 5 per writer.
    part(1, 8, 1, 3, 9_000, Map.of(), w -> {});

    List<Long> complete =
        SnapshotPartReader.completeSetsNewestFirst(root).stream()
            .map(s -> s.key().checkpointId())
            .toList();
    assertThat(complete).containsExactly(7L, 6L, 5L, 4L, 3L);
    assertThat(root.resolve("part-e1-c8-w1-of-3")).isDirectory();
  }

  private static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
