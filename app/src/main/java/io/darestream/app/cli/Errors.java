package io.darestream.app.cli;

import io.darestream.app.local.EmptyInputException;
import io.darestream.app.local.LocalWorkDir.WorkDirException;
import io.darestream.jobs.job.JobArgumentException;
import io.darestream.serving.ServingStartException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.NoSuchFileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns an exception into the one line a user reads, and classifies it for the exit status. */
final class Errors {
  private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

  private Errors() {}

  /** The most telling message in the cause chain, first line only. */
  static String oneLine(Throwable e) {
    Throwable t = e;
    String message = null;
    while (t != null && message == null) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) {
        message = m;
      }
      t = t.getCause();
    }
    if (message == null) {
      message = e.getClass().getSimpleName();
    }
    return message.lines().findFirst().orElse(message).strip();
  }

  /** True for errors in the configuration or environment, which exit with status 2. */
  static boolean isConfigError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CliException
          || t instanceof WorkDirException
          || t instanceof EmptyInputException
          || t instanceof JobArgumentException
          || t instanceof ServingStartException
          || t instanceof BindException
          || t instanceof NoSuchFileException) {
        return true;
      }
    }
    return e instanceof UncheckedIOException && e.getCause() instanceof NoSuchFileException;
  }

  static void log(String command, Throwable e) {
    LOG.error("{} failed", command, e);
  }
}
