package io.darestream.state;

/**
 * A store operation failed (RocksDB error, I/O error, or a store opened with an incompatible
 * layout). Unchecked: callers cannot do better than fail the task and restore from a checkpoint.
 */
public class StateStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StateStoreException(String message) {
    super(message);
  }

  public StateStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
