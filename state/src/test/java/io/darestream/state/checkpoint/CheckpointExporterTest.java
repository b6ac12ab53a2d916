package io.darestream.state.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.state.codec.CorruptDataException;
import io.darestream.state.model.ModelStore;
import io.darestream.state.model.ModelStoreLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointExporterTest {
  private static final int W = 8;

  @TempDir Path tmp;

  private static final ModelStoreLayout LAYOUT =
      ModelStoreLayout.builder().addTable("att.item", W).addTable("repr.item", W).build();

  private static void writeRandomRows(ModelStore store, Random rnd, int n, int idRange) {
    long[] ids = new long[n];
    float[] rows = new float[n * W];
    for (int i = 0; i < n; i++) {
      ids[i] = rnd.nextInt(idRange);
      for (int j = 0; j < W; j++) {
        rows[i * W + j] = Float.intBitsToFloat(rnd.nextInt());
      }
    }
    store.putRows("att.item", ids, rows);
    store.putRows("repr.item", ids, rows);
  }

  @Test
  void exportIsIncrementalRetentionDeletesUnreferencedAndRestoreIsBitExact() throws IOException {
    Random rnd = new Random(3);
    CheckpointExporter exporter = new CheckpointExporter(tmp.resolve("export"));
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), LAYOUT)) {
      writeRandomRows(store, rnd, 20_000, 20_000);
      store.checkpoint(tmp.resolve("cp1"));
      ExportResult first = exporter.export(1, tmp.resolve("cp1"));
      assertThat(first.filesReused()).isZero();

      writeRandomRows(store, rnd, 200, 20_000);
      store.checkpoint(tmp.resolve("cp2"));
      ExportResult second = exporter.export(2, tmp.resolve("cp2"));
      assertThat(second.filesReused()).isPositive();
      assertThat(second.bytesCopied()).isLessThan(first.bytesCopied() / 4);

      writeRandomRows(store, rnd, 200, 20_000);
      store.checkpoint(tmp.resolve("cp3"));
      exporter.export(3, tmp.resolve("cp3"));
      assertThatThrownBy(() -> exporter.export(3, tmp.resolve("cp3")))
          .hasMessageContaining("already exported");

      exporter.retainNewest(2);
      assertThat(exporter.checkpointIds()).containsExactly(2L, 3L);
      // every shared file left is referenced by checkpoint 2 or 3
      long referenced =
          Stream.concat(exporter.entries(2).stream(), exporter.entries(3).stream())
              .filter(CheckpointExporter.Entry::shared)
              .map(CheckpointExporter.Entry::storedName)
              .distinct()
              .count();
      try (Stream<Path> s = Files.list(tmp.resolve("export/shared"))) {
        assertThat(s.count()).isEqualTo(referenced);
      }

      Path restored = exporter.restore(3, tmp.resolve("restored"));
      try (ModelStore back = ModelStore.open(restored, LAYOUT)) {
        assertSameRows(store, back, "att.item");
        assertSameRows(store, back, "repr.item");
      }
    }
  }

  static void assertSameRows(ModelStore expected, ModelStore actual, String table) {
    int[] count = {0};
    float[] other = new float[expected.width(table)];
    expected.forEachRow(
        table,
        (id, row) -> {
          assertThat(actual.getRow(table, id, other)).isTrue();
          for (int j = 0; j < row.length; j++) {
            assertThat(Float.floatToRawIntBits(other[j]))
                .isEqualTo(Float.floatToRawIntBits(row[j]));
          }
          count[0]++;
        });
    int[] actualCount = {0};
    actual.forEachRow(table, (id, row) -> actualCount[0]++);
    assertThat(actualCount[0]).isEqualTo(count[0]);
  }

  @Test
  void restoreRefusesACorruptFileListOrAMissingFile() throws IOException {
    CheckpointExporter exporter = new CheckpointExporter(tmp.resolve("export"));
    try (ModelStore store = ModelStore.open(tmp.resolve("db"), LAYOUT)) {
      writeRandomRows(store, new Random(1), 100, 1000);
      store.checkpoint(tmp.resolve("cp1"));
      exporter.export(1, tmp.resolve("cp1"));
      exporter.export(2, tmp.resolve("cp1"));
    }
    Path files = tmp.resolve("export/checkpoints/1/FILES");
    byte[] bytes = Files.readAllBytes(files);
    bytes[bytes.length / 2] ^= 1;
    Files.write(files, bytes);
    assertThatThrownBy(() -> exporter.restore(1, tmp.resolve("r1")))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("checksum");

    try (Stream<Path> s = Files.list(tmp.resolve("export/shared"))) {
      List<Path> sst = s.toList();
      Files.delete(sst.get(0));
    }
    assertThatThrownBy(() -> exporter.restore(2, tmp.resolve("r2")))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("missing");
    assertThat(tmp.resolve("r2")).doesNotExist();
  }
}
