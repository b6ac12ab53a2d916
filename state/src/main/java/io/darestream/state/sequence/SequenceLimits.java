package io.darestream.state.sequence;

/**
 * Bounds of one user's behaviour sequence: the cap L_max (oldest dropped beyond it), how far out of
 * order an event may arrive and still be placed in time order, and how many recent event ids are
 * remembered to drop duplicates. Stored in every serialized sequence, so a reader needs no config.
 */
public final class SequenceLimits {
  /** Largest accepted cap; beyond it one value no longer fits comfortably in a state entry. */
  public static final int MAX_LENGTH_LIMIT = 1 << 20;

  /** Largest dedup window: each remembered id costs 8 bytes in every stored sequence. */
  public static final int MAX_DEDUP_WINDOW = 4096;

  private final int maxLength;
  private final long maxOutOfOrderMs;
  private final int dedupWindow;

  private SequenceLimits(Builder b) {
    this.maxLength = b.maxLength;
    this.maxOutOfOrderMs = b.maxOutOfOrderMs;
    this.dedupWindow = b.dedupWindow;
  }

  /** Defaults: L_max 2000, 60 s out of order, 32 remembered event ids. */
  public static SequenceLimits defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public int maxLength() {
    return maxLength;
  }

  public long maxOutOfOrderMs() {
    return maxOutOfOrderMs;
  }

  public int dedupWindow() {
    return dedupWindow;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SequenceLimits l
        && l.maxLength == maxLength
        && l.maxOutOfOrderMs == maxOutOfOrderMs
        && l.dedupWindow == dedupWindow;
  }

  @Override
  public int hashCode() {
    return (maxLength * 31 + Long.hashCode(maxOutOfOrderMs)) * 31 + dedupWindow;
  }

  @Override
  public String toString() {
    return "SequenceLimits{maxLength="
        + maxLength
        + ", maxOutOfOrderMs="
        + maxOutOfOrderMs
        + ", dedupWindow="
        + dedupWindow
        + "}";
  }

  /** Builds {@link SequenceLimits}; every setting is optional and validated in {@link #build()}. */
  public static final class Builder {
    private int maxLength = 2000;
    private long maxOutOfOrderMs = 60_000;
    private int dedupWindow = 32;

    private Builder() {}

    /** L_max: the number of newest behaviours kept. */
    public Builder optMaxLength(int maxLength) {
      this.maxLength = maxLength;
      return this;
    }

    /** Events older than the newest stored one by more than this are refused as too late. */
    public Builder optMaxOutOfOrderMs(long maxOutOfOrderMs) {
      this.maxOutOfOrderMs = maxOutOfOrderMs;
      return this;
    }

    /** How many recent event ids are remembered for dedup; 0 disables dedup. */
    public Builder optDedupWindow(int dedupWindow) {
      this.dedupWindow = dedupWindow;
      return this;
    }

    public SequenceLimits build() {
      if (maxLength < 1 || maxLength > MAX_LENGTH_LIMIT) {
        throw new IllegalArgumentException(
            "maxLength must be in [1, " + MAX_LENGTH_LIMIT + "], got " + maxLength);
      }
      if (maxOutOfOrderMs < 0) {
        throw new IllegalArgumentException("maxOutOfOrderMs must be >= 0, got " + maxOutOfOrderMs);
      }
      if (dedupWindow < 0 || dedupWindow > MAX_DEDUP_WINDOW) {
        throw new IllegalArgumentException(
            "dedupWindow must be in [0, " + MAX_DEDUP_WINDOW + "], got " + dedupWindow);
      }
      return new SequenceLimits(this);
    }
  }
}
