package io.darestream.serving.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.serving.fixtures.TrainedModels;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.state.io.Fs;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading real snapshots written by the state module's writer, and refusing broken ones. */
class SnapshotModelLoaderTest {
  @TempDir Path root;
  @TempDir Path work;

  private final ServingMetrics metrics = new ServingMetrics();

  @Test
  void loadsTheTrainersRowsDenseBlocksAndPosition() {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(50)), 5, 1);
    TrainedModels.publish(trainer, root, work, 3, 1, 42);

    DareModelHandle served = new SnapshotModelLoader(root, metrics).loadNewestValid().orElseThrow();

    assertThat(served.modelId()).isEqualTo(TrainedModels.MODEL_ID);
    assertThat(served.snapshotPosition()).isEqualTo(new ModelVersion(3, trainer.version()));
    assertThat(served.deltaOffsets())
        .singleElement()
        .satisfies(o -> assertThat(o.offset()).isEqualTo(42));
    for (String table : trainer.tableNames()) {
      assertThat(served.model().table(table).size()).isEqualTo(trainer.table(table).size());
      for (long id : trainer.table(table).ids()) {
        float[] expected = new float[trainer.table(table).dim()];
        trainer.table(table).copyWeights(id, expected, 0);
        assertThat(served.readWeights(table, id)).containsExactly(expected);
      }
    }
    for (String name : trainer.dense().names()) {
      assertThat(served.readWeights(ModelDeltas.DENSE_PREFIX + name, 0))
          .containsExactly(trainer.dense().block(name).values());
    }
    assertThat(metrics.snapshotsRefusedCount()).isZero();
  }

  @Test
  void refusesACorruptNewestSnapshotAndFallsBackToThePreviousOne() throws IOException {
    assertNewerRefusedAndOlderServed(
        trainer -> flipAByteOfAnSst(TrainedModels.publish(trainer, root, work, 1, 2, 20)));
  }

  @Test
  void refusesAPartialSnapshotWithoutManifest() throws IOException {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(50)), 2, 1);
    Path only = TrainedModels.publish(trainer, root, work, 1, 1, 0);
    Files.delete(only.resolve("MANIFEST"));

    assertThat(new SnapshotModelLoader(root, metrics).loadNewestValid()).isEmpty();
    assertThat(metrics.snapshotsRefusedCount()).isEqualTo(1);
  }

  @Test
  void aSnapshotThatVerifiesButWhoseStoreCannotOpenIsRefusedAndThePreviousOneLoaded()
      throws IOException {
    // RocksDB cannot open a database without its CURRENT file; the manifest never listed it.
    assertNewerRefusedAndOlderServed(
        trainer ->
            TrainedModels.publish(
                trainer,
                root,
                work,
                1,
                2,
                20,
                trainer.config().toProperties(),
                cp -> delete(cp, "CURRENT")));
  }

  @Test
  void aSnapshotWhoseConfigDoesNotFitItsRowsIsRefusedAndThePreviousOneLoaded() throws IOException {
    String wider =
        DareConfig.builder()
            .attentionDim(4)
            .representationDim(16)
            .hiddenSizes(16, 8)
            .topK(5)
            .maxHistory(50)
            .microBatchSize(32)
            .seed(7)
            .build()
            .toProperties();
    assertNewerRefusedAndOlderServed(
        trainer -> TrainedModels.publish(trainer, root, work, 1, 2, 20, wider, cp -> {}));
  }

  /** Writes the newer of two snapshots, broken in the way a test checks. */
  private interface NewerSnapshot {
    void publish(DareModel trainer) throws IOException;
  }

  /**
   * Publishes a snapshot of a trained model, trains on, lets {@code newer} publish a broken newer
   * one, and checks that the loader refuses it (counted) and serves the older one.
   */
  private void assertNewerRefusedAndOlderServed(NewerSnapshot newer) throws IOException {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(50)), 3, 1);
    TrainedModels.publish(trainer, root, work, 1, 1, 10);
    long olderVersion = trainer.version();
    TrainedModels.train(trainer, 3, 2);
    newer.publish(trainer);

    DareModelHandle served = new SnapshotModelLoader(root, metrics).loadNewestValid().orElseThrow();

    assertThat(served.snapshotPosition()).isEqualTo(new ModelVersion(1, olderVersion));
    assertThat(metrics.snapshotsRefusedCount()).isEqualTo(1);
  }

  @Test
  void anAnnouncedSnapshotUnderTheRootLoadsByPathOrByName() throws IOException {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(50)), 2, 1);
    Path snapshot = TrainedModels.publish(trainer, root, work, 1, 1, 0);
    String sha = Fs.sha256(snapshot.resolve("MANIFEST"));
    SnapshotModelLoader loader = new SnapshotModelLoader(root, metrics);

    assertThat(loader.loadAnnounced(snapshot.toString(), sha)).isPresent();
    // The trainer's own path, where serving mounts the directory elsewhere.
    assertThat(loader.loadAnnounced("/trainer/snapshots/" + snapshot.getFileName(), sha))
        .isPresent();
    assertThat(loader.loadAnnounced(snapshot.toString(), "0".repeat(64))).isEmpty();
    assertThat(metrics.snapshotsRefusedCount()).isEqualTo(1);
  }

  @Test
  void anAnnouncedLocationOutsideTheRootIsRefusedAndCountedEvenThroughALink(@TempDir Path elsewhere)
      throws IOException {
    DareModel trainer = TrainedModels.train(DareModel.create(TrainedModels.smallConfig(50)), 2, 1);
    Path outside = TrainedModels.publish(trainer, elsewhere, work, 1, 1, 0);
    String sha = Fs.sha256(outside.resolve("MANIFEST"));
    Path link = Files.createSymbolicLink(root.resolve("snapshot-link"), outside);
    SnapshotModelLoader loader = new SnapshotModelLoader(root, metrics);

    assertThat(loader.loadAnnounced(outside.toString(), sha)).isEmpty();
    assertThat(loader.loadAnnounced("file:" + outside, sha)).isEmpty();
    assertThat(loader.loadAnnounced(root + "/../" + root.relativize(outside), sha)).isEmpty();
    assertThat(loader.loadAnnounced(link.toString(), sha)).isEmpty();
    assertThat(loader.loadAnnounced(root.toString(), sha)).isEmpty();

    assertThat(metrics.snapshotsRefusedCount()).isEqualTo(5);
    assertThat(metrics.badRecordCount("model-snapshots", "location_outside_snapshot_dir"))
        .isEqualTo(5);
  }

  private static void delete(Path dir, String name) {
    try {
      Files.delete(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void flipAByteOfAnSst(Path snapshot) throws IOException {
    Path sst;
    try (Stream<Path> s = Files.list(snapshot.resolve("data"))) {
      sst = s.filter(p -> p.toString().endsWith(".sst")).findFirst().orElseThrow();
    }
    // Snapshot SSTs may be hard links to the trainer's files: replace, never write through.
    byte[] bytes = Files.readAllBytes(sst);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.delete(sst);
    Files.write(sst, bytes);
    try (RandomAccessFile f = new RandomAccessFile(sst.toFile(), "r")) {
      assertThat(f.length()).isEqualTo(bytes.length);
    }
  }
}
