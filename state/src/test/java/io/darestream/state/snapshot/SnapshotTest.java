package io.darestream.state.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.state.io.ChecksummedText;
import io.darestream.state.io.Fs;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotRejectedException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
  @TempDir Path tmp;
  Path root;
  Path published;
  Map<Long, float[]> expectedRows = new HashMap<>();

  @BeforeEach
  void publishOne() {
    root = tmp.resolve("snapshots");
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), SnapshotFixtures.LAYOUT)) {
      SnapshotFixtures.writeRows(store, 1, 2_000);
      store.forEachRow("repr.item", (id, row) -> expectedRows.put(id, row.clone()));
      published =
          new SnapshotWriter(root, 2)
              .publish(SnapshotFixtures.meta(1, 7), SnapshotFixtures.checkpoint(store, tmp, 7));
    }
  }

  @Test
  void roundTripOfManifestAndRows() throws IOException {
    VerifiedSnapshot s = SnapshotReader.verify(published);
    SnapshotManifest m = s.manifest();
    assertThat(m.modelId()).isEqualTo("dare-test");
    assertThat(m.epoch()).isEqualTo(1);
    assertThat(m.version()).isEqualTo(700);
    assertThat(m.checkpointId()).isEqualTo(7);
    assertThat(m.modelConfig()).isEqualTo("{\"dAtt\":16,\"k\":20}");
    assertThat(m.deltaOffsets()).containsExactly(new DeltaOffset("model-deltas", 0, 294));
    assertThat(m.metrics()).containsEntry("auc", 0.75);
    assertThat(m.files()).extracting(SnapshotFile::path).contains("data/CURRENT");
    assertThat(Files.readString(published.resolve("MANIFEST")))
        .startsWith("DARE-SNAPSHOT-MANIFEST 1\n");
    List<Path> before = listTree(published);
    try (ModelStore store = s.openStore()) {
      assertThat(store.getDense("mlp")).containsExactly(1, 2, 3);
      int[] n = {0};
      store.forEachRow(
          "repr.item",
          (id, row) -> {
            assertThat(row).containsExactly(expectedRows.get(id));
            n[0]++;
          });
      assertThat(n[0]).isEqualTo(expectedRows.size());
    }
    // loading wrote nothing into the snapshot, so it still verifies
    assertThat(listTree(published)).isEqualTo(before);
    SnapshotReader.verify(published);
  }

  @Test
  void aFlippedByteInAnyFileIsRefused() throws IOException {
    List<Path> files = listTree(published);
    assertThat(files).hasSizeGreaterThan(4);
    int index = 0;
    for (Path file : files) {
      long size = Files.size(file);
      for (long at : new long[] {0, size / 2, size - 1}) {
        Path copy = tmp.resolve("copy-" + index++);
        copyTree(published, copy);
        Path target = copy.resolve(published.relativize(file));
        byte[] bytes = Files.readAllBytes(target);
        bytes[(int) at] ^= 0x20;
        Files.write(target, bytes);
        assertThatThrownBy(() -> SnapshotReader.verify(copy))
            .as("flip at %d of %s", at, file)
            .isInstanceOfSatisfying(
                SnapshotRejectedException.class, e -> assertThat(e.reason()).isIn(Reason.CORRUPT));
        Fs.deleteTree(copy);
      }
    }
  }

  @Test
  void partialUnknownVersionAndUnsafePathsAreRefused() throws IOException {
    Path missingFile = tmp.resolve("missing-file");
    copyTree(published, missingFile);
    Files.delete(missingFile.resolve("data/CURRENT"));
    assertReason(missingFile, Reason.PARTIAL);

    Path noManifest = tmp.resolve("no-manifest");
    copyTree(published, noManifest);
    Files.delete(noManifest.resolve("MANIFEST"));
    assertReason(noManifest, Reason.PARTIAL);

    String body =
        ChecksummedText.read(published.resolve("MANIFEST"), ManifestCodec.SNAPSHOT.format()).body();
    Path future = tmp.resolve("future");
    copyTree(published, future);
    rewriteManifest(future, 2, body);
    assertReason(future, Reason.UNKNOWN_VERSION);

    for (String evil : List.of("../../etc/passwd", "/etc/passwd", "data/../MANIFEST", "data")) {
      Path unsafe = tmp.resolve("unsafe-" + Math.abs(evil.hashCode()));
      copyTree(published, unsafe);
      rewriteManifest(unsafe, 1, body.replace("\"data/CURRENT\"", "\"" + evil + "\""));
      assertReason(unsafe, Reason.UNSAFE_PATH);
    }
  }

  @Test
  void newestValidSkipsRefusedSnapshotsAndRetentionKeepsN() throws IOException {
    SnapshotWriter writer = new SnapshotWriter(root, 2);
    Path second;
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), SnapshotFixtures.LAYOUT)) {
      SnapshotFixtures.writeRows(store, 2, 100);
      second =
          writer.publish(SnapshotFixtures.meta(1, 8), SnapshotFixtures.checkpoint(store, tmp, 8));
      assertThat(SnapshotReader.findNewestValid(root).snapshot().get().directory())
          .isEqualTo(second);

      // corrupt the newest: the finder falls back to the previous one and says why
      Path current = second.resolve("data/CURRENT");
      byte[] b = Files.readAllBytes(current);
      b[0] ^= 1;
      Files.delete(current); // it may be a hard link shared with the checkpoint
      Files.write(current, b);
      SnapshotReader.NewestSnapshot newest = SnapshotReader.findNewestValid(root);
      assertThat(newest.snapshot().get().directory()).isEqualTo(published);
      assertThat(newest.rejected())
          .singleElement()
          .satisfies(r -> assertThat(r.reason()).isEqualTo(Reason.CORRUPT));

      SnapshotFixtures.writeRows(store, 3, 100);
      Path third =
          writer.publish(SnapshotFixtures.meta(2, 9), SnapshotFixtures.checkpoint(store, tmp, 9));
      try (Stream<Path> s = Files.list(root)) {
        assertThat(s.toList()).containsExactlyInAnyOrder(second, third);
      }
    }
  }

  @Test
  void aDamagedFileOfTheNewestSnapshotLeavesThePreviousOneValidAndLoadable() throws IOException {
    Path second;
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), SnapshotFixtures.LAYOUT)) {
      SnapshotFixtures.writeRows(store, 2, 100);
      second =
          new SnapshotWriter(root, 2)
              .publish(SnapshotFixtures.meta(1, 8), SnapshotFixtures.checkpoint(store, tmp, 8));
    }
    // An SST both snapshots hold (RocksDB never rewrites one), damaged in place as a disk would.
    Path shared =
        listTree(second.resolve("data")).stream()
            .filter(f -> f.toString().endsWith(".sst"))
            .filter(f -> Files.exists(published.resolve("data").resolve(f.getFileName())))
            .findFirst()
            .orElseThrow();
    flipByteInPlace(shared);

    assertReason(second, Reason.CORRUPT);
    SnapshotReader.NewestSnapshot newest = SnapshotReader.findNewestValid(root);
    assertThat(newest.snapshot()).isPresent();
    assertThat(newest.snapshot().get().directory()).isEqualTo(published);
    Map<Long, float[]> rows = new HashMap<>();
    try (ModelStore store = newest.snapshot().get().openStore()) {
      store.forEachRow("repr.item", (id, row) -> rows.put(id, row.clone()));
    }
    assertThat(rows).containsOnlyKeys(expectedRows.keySet());
    expectedRows.forEach((id, row) -> assertThat(rows.get(id)).containsExactly(row));
  }

  @Test
  void retentionKeepsTheLastValidSnapshotWhileTheNewestIsDamaged() throws IOException {
    SnapshotWriter writer = new SnapshotWriter(root, 1);
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), SnapshotFixtures.LAYOUT)) {
      SnapshotFixtures.writeRows(store, 2, 100);
      // The newest is damaged on disk right after it is written (before retention runs).
      Path damaged =
          writer.publish(
              SnapshotFixtures.meta(1, 8),
              SnapshotFixtures.checkpoint(store, tmp, 8),
              file -> {
                if (file.getFileName().toString().equals(ManifestCodec.SNAPSHOT.fileName())) {
                  flipByteInPlace(file.resolveSibling("data").resolve("CURRENT"));
                }
              });
      assertReason(damaged, Reason.CORRUPT);
      try (Stream<Path> s = Files.list(root)) {
        assertThat(s.toList()).containsExactlyInAnyOrder(published, damaged);
      }
      assertThat(SnapshotReader.findNewestValid(root).snapshot().get().directory())
          .isEqualTo(published);

      // Once a newer one verifies, the others go.
      SnapshotFixtures.writeRows(store, 3, 100);
      Path third =
          writer.publish(SnapshotFixtures.meta(2, 9), SnapshotFixtures.checkpoint(store, tmp, 9));
      try (Stream<Path> s = Files.list(root)) {
        assertThat(s.toList()).containsExactly(third);
      }
    }
  }

  @Test
  void snapshotsShareNoFileWithEachOtherNorWithTheCheckpoint() throws IOException {
    Path cp;
    Path second;
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), SnapshotFixtures.LAYOUT)) {
      SnapshotFixtures.writeRows(store, 2, 100);
      cp = SnapshotFixtures.checkpoint(store, tmp, 8);
      second = new SnapshotWriter(root, 2).publish(SnapshotFixtures.meta(1, 8), cp);
    }
    for (Path f : listTree(second.resolve("data"))) {
      for (Path other :
          List.of(
              published.resolve("data").resolve(f.getFileName()), cp.resolve(f.getFileName()))) {
        if (Files.exists(other)) {
          assertThat(Files.isSameFile(f, other)).as(f + " vs " + other).isFalse();
        }
      }
    }
  }

  @Test
  void metadataBuilderSaysWhatIsMissing() {
    assertThatThrownBy(() -> SnapshotMetadata.builder().build())
        .hasMessageContaining("Model id is required");
    assertThatThrownBy(() -> SnapshotMetadata.builder().setModelId("m").setEpoch(1).build())
        .hasMessageContaining("Version is required");
  }

  private static void assertReason(Path dir, Reason reason) {
    assertThatThrownBy(() -> SnapshotReader.verify(dir))
        .isInstanceOfSatisfying(
            SnapshotRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private static void rewriteManifest(Path dir, int version, String body) throws IOException {
    Files.delete(dir.resolve("MANIFEST"));
    Files.write(
        dir.resolve("MANIFEST"),
        ChecksummedText.render(ManifestCodec.SNAPSHOT.format(), version, body));
    assertThat(new String(Files.readAllBytes(dir.resolve("MANIFEST")), StandardCharsets.UTF_8))
        .startsWith(ManifestCodec.SNAPSHOT.format() + " " + version);
  }

  private static List<Path> listTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    for (Path f : listTree(from)) {
      Path t = to.resolve(from.relativize(f));
      Files.createDirectories(t.getParent());
      Files.copy(f, t);
    }
  }

  /** Flips one byte in the middle of {@code file} without replacing the file (same inode). */
  private static void flipByteInPlace(Path file) {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long pos = ch.size() / 2;
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, pos);
      b.put(0, (byte) (b.get(0) ^ 1));
      b.rewind();
      ch.write(b, pos);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
