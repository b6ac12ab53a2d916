package io.darestream.state.sequence;

/**
 * Bounds of one user's behaviour sequence: the cap L_max (oldest dropped beyond it), how far out of
 * order an event may arrive and still be placed in time order, and the dedup horizon: for how long
 * (event time, behind the user's newest behaviour) an event id is remembered to drop duplicates.
 * Stored in every serialized sequence, so a reader needs no config.
 */
public final class SequenceLimits {
  /** Largest accepted cap; beyond it one value no longer fits comfortably in a state entry. */
  public static final int MAX_LENGTH_LIMIT = 1 << 20;

  /**
   * Largest dedup window of the version-1 formats, which remembered a count of ids instead of a
   * horizon; still the bound when reading them.
   */
  static final int V1_MAX_DEDUP_WINDOW = 4096;

  /** Default dedup horizon: two days, more than the job's default lateness bound (1 d + 5 s). */
  public static final long DEFAULT_DEDUP_HORIZON_MS = 2 * 86_400_000L;

  /** Largest horizon or out-of-order bound, so that time arithmetic cannot overflow. */
  public static final long MAX_SPAN_MS = 1L << 60;

  private final int maxLength;
  private final long maxOutOfOrderMs;
  private final long dedupHorizonMs;

  private SequenceLimits(Builder b) {
    this.maxLength = b.maxLength;
    this.maxOutOfOrderMs = b.maxOutOfOrderMs;
    this.dedupHorizonMs = b.dedupHorizonMs;
  }

  /** Defaults: L_max 2000, 60 s out of order, ids remembered for two days. */
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

  /**
   * How far behind the user's newest behaviour (event time) an event id is still remembered; 0
   * remembers none.
   */
  public long dedupHorizonMs() {
    return dedupHorizonMs;
  }

  /**
   * Most ids one sequence remembers: the cap's worth twice over. Ids older than a behaviour the cap
   * dropped are forgotten anyway, so only events sharing the oldest kept time stamp can reach it.
   */
  public int maxDedupIds() {
    return dedupHorizonMs == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, 2L * maxLength + 64);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SequenceLimits l
        && l.maxLength == maxLength
        && l.maxOutOfOrderMs == maxOutOfOrderMs
        && l.dedupHorizonMs == dedupHorizonMs;
  }

  @Override
  public int hashCode() {
    return (maxLength * 31 + Long.hashCode(maxOutOfOrderMs)) * 31 + Long.hashCode(dedupHorizonMs);
  }

  @Override
  public String toString() {
    return "SequenceLimits{maxLength="
        + maxLength
        + ", maxOutOfOrderMs="
        + maxOutOfOrderMs
        + ", dedupHorizonMs="
        + dedupHorizonMs
        + "}";
  }

  /** Builds {@link SequenceLimits}; every setting is optional and validated in {@link #build()}. */
  public static final class Builder {
    private int maxLength = 2000;
    private long maxOutOfOrderMs = 60_000;
    private long dedupHorizonMs = DEFAULT_DEDUP_HORIZON_MS;

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

    /**
     * An event id is remembered while its behaviour is at most this far (event time) behind the
     * user's newest one; 0 disables dedup.
     */
    public Builder optDedupHorizonMs(long dedupHorizonMs) {
      this.dedupHorizonMs = dedupHorizonMs;
      return this;
    }

    public SequenceLimits build() {
      if (maxLength < 1 || maxLength > MAX_LENGTH_LIMIT) {
        throw new IllegalArgumentException(
            "maxLength must be in [1, " + MAX_LENGTH_LIMIT + "], got " + maxLength);
      }
      if (maxOutOfOrderMs < 0 || maxOutOfOrderMs > MAX_SPAN_MS) {
        throw new IllegalArgumentException(
            "maxOutOfOrderMs must be in [0, 2^60], got " + maxOutOfOrderMs);
      }
      if (dedupHorizonMs < 0 || dedupHorizonMs > MAX_SPAN_MS) {
        throw new IllegalArgumentException(
            "dedupHorizonMs must be in [0, 2^60], got " + dedupHorizonMs);
      }
      return new SequenceLimits(this);
    }
  }
}
