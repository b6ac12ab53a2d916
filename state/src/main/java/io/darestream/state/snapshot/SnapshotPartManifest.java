package io.darestream.state.snapshot;

/**
 * The manifest of one part of a sharded snapshot ({@code PART}: {@code DARE-SNAPSHOT-PART 1}, one
 * JSON line, checksum trailer): the snapshot manifest's fields for what this writer holds (its
 * version at the checkpoint's barrier, the {@code model-deltas} end offsets it read right after
 * flushing at that barrier, its data files) plus which writer of how many it is.
 */
public record SnapshotPartManifest(SnapshotManifest snapshot, int writer, int writers) {
  /** The name this part's directory must have. */
  public SnapshotPartName name() {
    return new SnapshotPartName(snapshot.epoch(), snapshot.checkpointId(), writer, writers);
  }
}
