package io.darestream.schemas.input;

/** A line that could not be parsed, under {@link BadLinePolicy#FAIL}: says where and why. */
public final class BadLineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final long lineNumber;
  private final String reason;

  public BadLineException(String source, long lineNumber, String reason) {
    super(source + ":" + lineNumber + ": " + reason);
    this.source = source;
    this.lineNumber = lineNumber;
    this.reason = reason;
  }

  /** The file (or stream name) the line came from. */
  public String source() {
    return source;
  }

  /** 1-based line number within {@link #source()}. */
  public long lineNumber() {
    return lineNumber;
  }

  /** What was wrong with the line, without the location. */
  public String reason() {
    return reason;
  }
}
