package io.darestream.jobs.shard;

import io.darestream.model.DareConfig;
import io.darestream.model.sync.PartSetLoader;
import io.darestream.model.sync.PartSetLoader.LoadedSet;
import io.darestream.state.snapshot.DeltaOffset;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotPartReader.PartSet;
import io.darestream.state.snapshot.SnapshotRejectedException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restored trainer's replica: the snapshot set its stage wrote at the restored checkpoint (the
 * owners' rows and the averager's dense model as they were in that checkpoint's state), and where
 * in {@code model-deltas} it ends. Rebuilding the replica from the topic instead needs every record
 * the topic ever held: past its retention the replica would miss every row no owner has published
 * since, and train on initial values where the owners hold learned ones.
 */
final class RestoredReplica {
  private static final Logger LOG = LoggerFactory.getLogger(RestoredReplica.class);

  private RestoredReplica() {}

  /**
   * The complete set of checkpoint {@code checkpointId} in epoch {@code epoch} under {@code root},
   * verified, loaded and of the job's model config; empty (with the reason logged) if there is
   * none: its parts were never written (a failure right after the checkpoint), retention deleted
   * them, one does not verify, or the config differs.
   */
  static Optional<LoadedSet> load(Path root, long checkpointId, long epoch, DareConfig expected) {
    for (PartSet set : SnapshotPartReader.completeSetsNewestFirst(root)) {
      if (set.key().checkpointId() != checkpointId || set.key().epoch() != epoch) {
        continue;
      }
      try {
        LoadedSet loaded = PartSetLoader.load(SnapshotPartReader.verify(set));
        if (!loaded.model().config().equals(expected)) {
          LOG.warn(
              "The snapshot set {} of the restored checkpoint holds another model config than"
                  + " the job's ({} vs {}); the replica is rebuilt from model-deltas",
              set.key(),
              loaded.model().config(),
              expected);
          return Optional.empty();
        }
        return Optional.of(loaded);
      } catch (SnapshotRejectedException e) {
        LOG.warn(
            "The snapshot set {} of the restored checkpoint is refused ({}); the replica is"
                + " rebuilt from model-deltas",
            set.key(),
            e.getMessage());
        return Optional.empty();
      }
    }
    LOG.warn(
        "No complete snapshot set of the restored checkpoint {} (epoch {}) under {}: the replica is"
            + " rebuilt from model-deltas from its beginning, so rows the topic no longer holds"
            + " (retention) stay at their initial values until their owners publish them again",
        checkpointId,
        epoch,
        root);
    return Optional.empty();
  }

  /** Where tailing {@code topic} continues after {@code set}: partition to offset. */
  static Map<Integer, Long> startOffsets(LoadedSet set, String topic) {
    Map<Integer, Long> offsets = new HashMap<>();
    for (DeltaOffset o : set.deltaOffsets()) {
      if (o.topic().equals(topic)) {
        offsets.put(o.partition(), o.offset());
      }
    }
    return offsets;
  }
}
