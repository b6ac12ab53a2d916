package io.darestream.serving;

/**
 * The service cannot start as configured (a missing directory, a port in use, a store that does not
 * open); the message is one line meant for the operator.
 */
public final class ServingStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ServingStartException(String message, Throwable cause) {
    super(message, cause);
  }

  public ServingStartException(String message) {
    super(message);
  }
}
