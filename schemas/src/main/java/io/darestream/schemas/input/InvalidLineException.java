package io.darestream.schemas.input;

/**
 * Thrown by a {@link LineParser} for a line it rejects. Checked and without a stack trace: bad
 * lines are expected input, and a skipped line must cost no more than a parsed one.
 */
final class InvalidLineException extends Exception {
  private static final long serialVersionUID = 1L;

  InvalidLineException(String reason) {
    super(reason, null, false, false);
  }
}
