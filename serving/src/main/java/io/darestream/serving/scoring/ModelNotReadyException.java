package io.darestream.serving.scoring;

/** Thrown when a request arrives before any model is loaded; the HTTP layer answers 503. */
public final class ModelNotReadyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelNotReadyException(String message) {
    super(message);
  }
}
