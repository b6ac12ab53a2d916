package io.darestream.model.sync;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.state.snapshot.DeltaOffset;
import io.darestream.state.snapshot.SnapshotManifest;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotPartReader.VerifiedPart;
import io.darestream.state.snapshot.SnapshotRejectedException;
import io.darestream.state.snapshot.SnapshotRejectedException.Reason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Loads a complete, verified set of sharded snapshot parts into one fresh model: the config from
 * the parts' manifests, every part's rows ({@link SnapshotPartRows}) applied with {@link
 * ModelDeltas}, and what tailing {@code model-deltas} afterwards needs: per writer the version it
 * had reached at the barrier (its part's), and per partition the smallest end offset the parts
 * recorded. Every record before that offset is in the parts; a record after it is either after its
 * writer's barrier (newer than its part) or already in its part, and {@link DeltaOrder} with these
 * base versions tells the two apart.
 *
 * <p>A part whose records do not belong to it (another model, epoch or writer, a dense block from
 * an owner or a row from the averager), do not fit the config, or hold NaN or infinity refuses the
 * whole set; nothing half-loaded is returned.
 */
public final class PartSetLoader {
  private PartSetLoader() {}

  /** A loaded set: the model and where tailing continues. */
  public record LoadedSet(
      DareModel model,
      String modelId,
      long epoch,
      long checkpointId,
      long version,
      Map<Integer, Long> writerVersions,
      List<DeltaOffset> deltaOffsets,
      String location,
      long rows) {}

  /**
   * The newest complete set under {@code root} that verifies and loads; each newer one that does
   * not is passed to {@code refused} (and skipped). Sets still missing a part are waiting, not
   * refused.
   */
  public static Optional<LoadedSet> loadNewest(
      Path root, java.util.function.Consumer<SnapshotRejectedException> refused) {
    for (SnapshotPartReader.PartSet set : SnapshotPartReader.completeSetsNewestFirst(root)) {
      try {
        return Optional.of(load(SnapshotPartReader.verify(set)));
      } catch (SnapshotRejectedException e) {
        refused.accept(e);
      }
    }
    return Optional.empty();
  }

  /**
   * Loads verified parts (one set, ordered by writer).
   *
   * @throws SnapshotRejectedException if a part's content is refused (see the class comment)
   */
  public static LoadedSet load(List<VerifiedPart> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("a set has at least one part");
    }
    SnapshotManifest first = parts.get(0).manifest().snapshot();
    DareConfig config;
    try {
      config = DareConfig.fromProperties(first.modelConfig());
    } catch (RuntimeException e) {
      throw new SnapshotRejectedException(
          parts.get(0).directory(),
          Reason.CORRUPT,
          "model config in the part manifest does not parse: " + e.getMessage());
    }
    DareModel model = DareModel.create(config);
    Map<Integer, Long> versions = new TreeMap<>();
    Map<TopicPartitionKey, Long> offsets = new TreeMap<>();
    List<Map<TopicPartitionKey, Long>> perPart = new ArrayList<>();
    long rows = 0;
    long newest = Long.MIN_VALUE;
    for (VerifiedPart part : parts) {
      SnapshotManifest m = part.manifest().snapshot();
      int writer = part.manifest().writer();
      for (Path file : part.dataFiles()) {
        rows += loadFile(model, part, file, writer, first.modelId(), m.epoch());
      }
      versions.put(writer, m.version());
      newest = Math.max(newest, m.version());
      Map<TopicPartitionKey, Long> own = new HashMap<>();
      for (DeltaOffset o : m.deltaOffsets()) {
        own.merge(new TopicPartitionKey(o.topic(), o.partition()), o.offset(), Math::min);
      }
      perPart.add(own);
      own.keySet().forEach(k -> offsets.put(k, Long.MAX_VALUE));
    }
    // The smallest over the parts; a part that names no offset for a partition read nothing
    // there, so the partition is tailed from its beginning.
    for (Map.Entry<TopicPartitionKey, Long> e : offsets.entrySet()) {
      long min = Long.MAX_VALUE;
      for (Map<TopicPartitionKey, Long> own : perPart) {
        min = Math.min(min, own.getOrDefault(e.getKey(), 0L));
      }
      e.setValue(min);
    }
    model.setVersion(newest);
    List<DeltaOffset> deltaOffsets = new ArrayList<>();
    offsets.forEach((k, o) -> deltaOffsets.add(new DeltaOffset(k.topic(), k.partition(), o)));
    SnapshotManifest m0 = first;
    return new LoadedSet(
        model,
        m0.modelId(),
        m0.epoch(),
        m0.checkpointId(),
        newest,
        versions,
        deltaOffsets,
        parts
            .get(0)
            .directory()
            .resolveSibling(
                "part-e" + m0.epoch() + "-c" + m0.checkpointId() + "-w*-of-" + parts.size())
            .toString(),
        rows);
  }

  private static long loadFile(
      DareModel model, VerifiedPart part, Path file, int writer, String modelId, long epoch) {
    long[] rows = {0};
    try {
      SnapshotPartRows.read(
          file,
          d -> {
            String problem = problem(d, writer, modelId, epoch);
            if (problem != null) {
              throw new SnapshotRejectedException(part.directory(), Reason.CORRUPT, problem);
            }
            try {
              rows[0] += d.getTable().startsWith(ModelDeltas.DENSE_PREFIX) ? 0 : d.getRows().size();
              ModelDeltas.apply(model, d);
            } catch (IllegalArgumentException e) {
              throw new SnapshotRejectedException(
                  part.directory(), Reason.CORRUPT, "a record does not fit the model: " + e);
            }
          });
    } catch (IOException e) {
      throw new SnapshotRejectedException(part.directory(), Reason.CORRUPT, e.getMessage());
    }
    return rows[0];
  }

  /** Why {@code d} cannot be in writer {@code writer}'s part, or null if it can. */
  private static String problem(ModelDelta d, int writer, String modelId, long epoch) {
    if (!modelId.equals(d.getModelId()) || d.getEpoch() != epoch || d.getWriter() != writer) {
      return "a record of model "
          + d.getModelId()
          + ", epoch "
          + d.getEpoch()
          + ", writer "
          + d.getWriter()
          + " is not this part's";
    }
    boolean dense = d.getTable().startsWith(ModelDeltas.DENSE_PREFIX);
    if (dense != (writer == 0)) {
      return "writer " + writer + "'s part holds " + d.getTable();
    }
    if (!ModelDeltas.allFinite(d)) {
      return "a record of " + d.getTable() + " holds NaN or infinity";
    }
    return null;
  }

  private record TopicPartitionKey(String topic, int partition)
      implements Comparable<TopicPartitionKey> {
    @Override
    public int compareTo(TopicPartitionKey o) {
      int c = topic.compareTo(o.topic);
      return c != 0 ? c : Integer.compare(partition, o.partition);
    }
  }
}
