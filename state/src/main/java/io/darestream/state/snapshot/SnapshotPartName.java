package io.darestream.state.snapshot;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The directory name of one part of a sharded snapshot: {@code part-e<epoch>-c<checkpoint
 * id>-w<writer>-of-<writers>}. Parts are directories of their own directly under the snapshot root,
 * beside the single trainer's {@code snapshot-...} directories: no directory is shared by two
 * writers, so no writer creates or deletes anything another one writes into.
 *
 * @param epoch the epoch of the job attempt that wrote it
 * @param checkpointId the completed Flink checkpoint it holds
 * @param writer the writer's id on {@code model-deltas} (0: the dense averager, 1 + i: owner i)
 * @param writers how many parts make the set: the owners plus the averager
 */
public record SnapshotPartName(long epoch, long checkpointId, int writer, int writers) {
  static final String PREFIX = "part-";
  static final String TMP_PREFIX = SnapshotWriter.TMP_PREFIX + PREFIX;
  private static final Pattern NAME =
      Pattern.compile("part-e(\\d{1,18})-c(\\d{1,18})-w(\\d{1,5})-of-(\\d{1,5})");

  public SnapshotPartName {
    if (epoch < 0 || checkpointId < 0 || writers < 1 || writer < 0 || writer >= writers) {
      throw new IllegalArgumentException(
          "bad part: epoch "
              + epoch
              + ", checkpoint "
              + checkpointId
              + ", writer "
              + writer
              + " of "
              + writers);
    }
  }

  /** The set this part belongs to. */
  public SetKey set() {
    return new SetKey(epoch, checkpointId, writers);
  }

  /** The directory name. */
  public String directoryName() {
    return PREFIX + "e" + epoch + "-c" + checkpointId + "-w" + writer + "-of-" + writers;
  }

  /** The name parsed from a directory name; empty unless it is a part's. */
  public static Optional<SnapshotPartName> parse(String directoryName) {
    Matcher m = NAME.matcher(directoryName);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new SnapshotPartName(
              Long.parseLong(m.group(1)),
              Long.parseLong(m.group(2)),
              Integer.parseInt(m.group(3)),
              Integer.parseInt(m.group(4))));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // e.g. writer >= writers
    }
  }

  static boolean isPart(String directoryName) {
    return directoryName.startsWith(PREFIX);
  }

  static boolean isPartTemp(String directoryName) {
    return directoryName.startsWith(TMP_PREFIX);
  }

  /**
   * One set of parts: every writer's part for one checkpoint of one epoch. Sets order by epoch,
   * then checkpoint id (both only grow within a job's history; a restore begins a new epoch).
   */
  public record SetKey(long epoch, long checkpointId, int writers) implements Comparable<SetKey> {
    @Override
    public int compareTo(SetKey o) {
      int c = Long.compare(epoch, o.epoch);
      if (c == 0) {
        c = Long.compare(checkpointId, o.checkpointId);
      }
      return c != 0 ? c : Integer.compare(writers, o.writers);
    }

    @Override
    public String toString() {
      return "set e" + epoch + "-c" + checkpointId + " of " + writers + " parts";
    }
  }
}
