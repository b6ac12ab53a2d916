package io.darestream.state.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotRejectedException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sharded stage's parts beside the single trainer's snapshots in one root: each writer's
 * publish and cleanup leave the other kind (and the other writers) alone, and a part is verified
 * like a snapshot (manifest, name, every file).
 */
class SnapshotPartTest {
  @TempDir Path tmp;

  private Path part(Path root, int writer, long checkpoint) throws IOException {
    Path src = Files.createDirectories(tmp.resolve("src-" + writer + "-" + checkpoint));
    Files.writeString(src.resolve("rows"), "rows of writer " + writer);
    return new SnapshotPartWriter(root, writer, 2)
        .publish(SnapshotFixtures.meta(1, checkpoint), 2, src);
  }

  @Test
  void theSingleTrainersWriterLeavesPartsAndTheirTemporaryDirectoriesAlone() throws IOException {
    Path root = tmp.resolve("snapshots");
    Path part = part(root, 1, 3);
    Path partTemp = Files.createDirectories(root.resolve(".tmp-part-e1-c4-w0-of-2-123"));
    SnapshotWriter writer = new SnapshotWriter(root, 1);
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), SnapshotFixtures.LAYOUT)) {
      for (long c = 7; c <= 9; c++) {
        SnapshotFixtures.writeRows(store, c, 10);
        writer.publish(SnapshotFixtures.meta(1, c), SnapshotFixtures.checkpoint(store, tmp, c));
      }
    }

    // Before parts existed, retention deleted every directory whose MANIFEST did not read.
    assertThat(part).isDirectory();
    assertThat(partTemp).isDirectory();
    assertThat(SnapshotReader.findNewestValid(root).rejected()).isEmpty();
  }

  @Test
  void theNewestPublishedEpochCountsSnapshotsAndEveryPartButNotTemporaryDirectories()
      throws IOException {
    Path root = tmp.resolve("snapshots");
    assertThat(SnapshotReader.newestPublishedEpoch(root)).as("no directory").isZero();
    SnapshotWriter writer = new SnapshotWriter(root, 3);
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), SnapshotFixtures.LAYOUT)) {
      SnapshotFixtures.writeRows(store, 7, 10);
      writer.publish(SnapshotFixtures.meta(4, 7), SnapshotFixtures.checkpoint(store, tmp, 7));
    }
    assertThat(SnapshotReader.newestPublishedEpoch(root)).as("a single snapshot").isEqualTo(4);
    // One part of a set of two (incomplete): its epoch was published all the same.
    Path src = Files.createDirectories(tmp.resolve("src-part"));
    Files.writeString(src.resolve("rows"), "rows");
    new SnapshotPartWriter(root, 1, 2).publish(SnapshotFixtures.meta(6, 3), 2, src);
    Files.createDirectories(root.resolve(".tmp-part-e9-c4-w0-of-2-123"));
    Files.createDirectories(root.resolve(".tmp-snapshot-e9-c4-1"));
    Files.createDirectories(root.resolve("not-a-snapshot"));
    assertThat(SnapshotReader.newestPublishedEpoch(root)).isEqualTo(6);
  }

  @Test
  void aPartWriterRemovesOnlyItsOwnUnfinishedPublishes() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("snapshots"));
    Path mine = Files.createDirectories(root.resolve(".tmp-part-e1-c4-w1-of-3-1"));
    Path other = Files.createDirectories(root.resolve(".tmp-part-e1-c4-w2-of-3-1"));
    Path single = Files.createDirectories(root.resolve(".tmp-snapshot-e1-c4-1"));

    new SnapshotPartWriter(root, 1, 2);

    assertThat(mine).doesNotExist();
    assertThat(other).isDirectory();
    assertThat(single).isDirectory();
  }

  @Test
  void aPartIsVerifiedLikeASnapshotAndMustCarryItsOwnName() throws IOException {
    Path root = tmp.resolve("snapshots");
    Path w0 = part(root, 0, 5);
    part(root, 1, 5);
    SnapshotPartReader.PartSet set = SnapshotPartReader.completeSetsNewestFirst(root).get(0);
    assertThat(SnapshotPartReader.verify(set)).hasSize(2);

    // A part renamed to another writer's place (or a copied PART) is refused.
    Path moved = root.resolve("part-e1-c6-w0-of-2");
    Files.move(w0, moved);
    assertThatThrownBy(() -> SnapshotPartReader.verify(moved))
        .isInstanceOfSatisfying(
            SnapshotRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT))
        .hasMessageContaining("describes part part-e1-c5-w0-of-2");
    assertThat(SnapshotPartReader.completeSetsNewestFirst(root)).isEmpty();
    // Writer 2 of 2 parts does not exist: not a part's name.
    assertThat(SnapshotPartName.parse("part-e1-c5-w2-of-2")).isEmpty();
  }
}
