package io.darestream.state.codec;

/**
 * Thrown when persisted bytes cannot be decoded: wrong magic, unknown format version, truncated or
 * inconsistent content. Unchecked so that codecs can be wrapped by serializers whose interfaces do
 * not declare it; callers that can recover (skip a record, pick an older snapshot) catch it.
 */
public class CorruptDataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CorruptDataException(String message) {
    super(message);
  }

  public CorruptDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
