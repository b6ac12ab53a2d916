package io.darestream.jobs.job;

/**
 * A bad job argument or option value found before the job starts: printed as one line by whoever
 * runs the job (the job jar's main, the launcher), never a failed Flink job.
 */
public final class JobArgumentException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public JobArgumentException(String message) {
    super(message);
  }
}
