package io.darestream.state.snapshot;

import java.util.List;
import java.util.Map;

/**
 * What a snapshot holds and where it stands: model identity and config (an opaque string, e.g. the
 * model's JSON config), epoch, version, the Flink checkpoint it came from, the {@code model-deltas}
 * offsets it already contains (serving tails from there), metrics, and every file with its SHA-256.
 * Stored as {@code MANIFEST}: {@code DARE-SNAPSHOT-MANIFEST 1}, JSON, checksum trailer.
 */
public record SnapshotManifest(
    String modelId,
    long epoch,
    long version,
    long checkpointId,
    long createdTimeMs,
    String modelConfig,
    List<DeltaOffset> deltaOffsets,
    Map<String, Double> metrics,
    List<SnapshotFile> files) {

  public SnapshotManifest {
    deltaOffsets = List.copyOf(deltaOffsets);
    metrics = Map.copyOf(metrics);
    files = List.copyOf(files);
  }

  /** Orders snapshots: newer epoch first wins, then version, then checkpoint id. */
  public static int compareAge(SnapshotManifest a, SnapshotManifest b) {
    int c = Long.compare(a.epoch, b.epoch);
    if (c == 0) {
      c = Long.compare(a.version, b.version);
    }
    return c != 0 ? c : Long.compare(a.checkpointId, b.checkpointId);
  }
}
