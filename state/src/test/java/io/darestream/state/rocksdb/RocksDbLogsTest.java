package io.darestream.state.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.state.model.ModelStore;
import io.darestream.state.model.ModelStoreLayout;
import io.darestream.state.sequence.SequenceStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every store of the module opens with its info LOG bounded, as RocksDB records in its OPTIONS. */
class RocksDbLogsTest {
  @TempDir Path dir;

  @Test
  void theModelStoreAndTheSequenceStoreBoundTheirInfoLog() throws IOException {
    Path model = dir.resolve("model");
    try (ModelStore store =
        ModelStore.open(model, ModelStoreLayout.builder().addTable("att.item", 4).build())) {
      assertThat(store).isNotNull();
    }
    Path sequences = dir.resolve("sequences");
    try (SequenceStore store = SequenceStore.builder().setPath(sequences).open()) {
      assertThat(store).isNotNull();
    }
    for (Path db : new Path[] {model, sequences}) {
      assertThat(writtenOptions(db))
          .as(db.toString())
          .contains("max_log_file_size=" + RocksDbLogs.MAX_LOG_FILE_BYTES)
          .contains("keep_log_file_num=" + RocksDbLogs.KEPT_LOG_FILES);
    }
  }

  /** The newest OPTIONS file RocksDB wrote into {@code db}: the options it really runs with. */
  private static String writtenOptions(Path db) throws IOException {
    try (Stream<Path> files = Files.list(db)) {
      Path newest =
          files
              .filter(p -> p.getFileName().toString().startsWith("OPTIONS-"))
              .max(Path::compareTo)
              .orElseThrow(() -> new AssertionError("no OPTIONS file in " + db));
      return Files.readString(newest);
    }
  }
}
