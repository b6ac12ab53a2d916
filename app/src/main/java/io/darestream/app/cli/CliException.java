package io.darestream.app.cli;

/**
 * A configuration error found by a command (unknown format, missing file, port in use, unreachable
 * Kafka): printed as one line, exit status {@link DareStreamCli#CONFIG_ERROR}, no stack trace.
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
