package io.darestream.serving.scoring;

import java.util.Comparator;

/**
 * The (epoch, version) position of a model. A restore starts a new epoch, so a newer epoch always
 * wins over an older one whatever the versions (DESIGN.md section 5); within an epoch the version
 * counts training steps and is monotonic.
 */
public record ModelVersion(long epoch, long version) implements Comparable<ModelVersion> {
  /** Before any model: every real position compares newer. */
  public static final ModelVersion NONE = new ModelVersion(Long.MIN_VALUE, Long.MIN_VALUE);

  private static final Comparator<ModelVersion> ORDER =
      Comparator.comparingLong(ModelVersion::epoch).thenComparingLong(ModelVersion::version);

  @Override
  public int compareTo(ModelVersion other) {
    return ORDER.compare(this, other);
  }

  public boolean isNewerThan(ModelVersion other) {
    return compareTo(other) > 0;
  }

  @Override
  public String toString() {
    return "epoch " + epoch + " version " + version;
  }
}
