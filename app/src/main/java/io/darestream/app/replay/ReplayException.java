package io.darestream.app.replay;

/** A replay could not deliver every event; the message says how far it got and why. */
public final class ReplayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReplayException(String message, Throwable cause) {
    super(message, cause);
  }
}
