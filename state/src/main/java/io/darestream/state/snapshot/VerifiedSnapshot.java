package io.darestream.state.snapshot;

import io.darestream.state.model.ModelStore;
import java.nio.file.Path;

/**
 * A snapshot whose manifest and every file were verified. {@link #openStore()} opens its model
 * store read-only in place (nothing is written into the snapshot directory).
 */
public record VerifiedSnapshot(Path directory, SnapshotManifest manifest) {
  /** The RocksDB directory inside the snapshot. */
  public Path dataDirectory() {
    return directory.resolve(SnapshotWriter.DATA_DIR);
  }

  /** Opens the snapshot's model store read-only; close it when done. */
  public ModelStore openStore() {
    return ModelStore.openReadOnly(dataDirectory());
  }
}
