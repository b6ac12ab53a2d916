package io.darestream.schemas.input;

/**
 * How a parser treats bad lines.
 *
 * @param policy skip bad lines (counted) or fail on the first one
 * @param keptReasons how many bad-line reasons {@link ParseStats} keeps (the rest are only counted,
 *     so a file full of errors cannot exhaust memory)
 */
public record ParseOptions(BadLinePolicy policy, int keptReasons) {
  /** Reasons kept by default. */
  public static final int DEFAULT_KEPT_REASONS = 10;

  public ParseOptions {
    if (policy == null) {
      throw new IllegalArgumentException("policy is required but was null");
    }
    if (keptReasons < 0) {
      throw new IllegalArgumentException("keptReasons must be >= 0, got " + keptReasons);
    }
  }

  /** Skip bad lines, keeping the first {@value #DEFAULT_KEPT_REASONS} reasons. */
  public static ParseOptions skip() {
    return new ParseOptions(BadLinePolicy.SKIP, DEFAULT_KEPT_REASONS);
  }

  /** Fail on the first bad line. */
  public static ParseOptions fail() {
    return new ParseOptions(BadLinePolicy.FAIL, DEFAULT_KEPT_REASONS);
  }
}
