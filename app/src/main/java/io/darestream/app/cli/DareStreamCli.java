package io.darestream.app.cli;

import io.darestream.jobs.job.TrainCommand;
import io.darestream.model.eval.EvaluateMain;
import io.darestream.schemas.generator.GeneratorMain;
import io.darestream.schemas.serde.AvroTrust;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The one executable of dare-stream ({@code java -jar dare-stream.jar <command>}): {@code local},
 * {@code replay}, {@code generate}, {@code train}, {@code serve}, {@code evaluate}. The modules'
 * own entry points are registered as they are: {@code generate} is the schemas module's {@link
 * GeneratorMain}, {@code train} the job's {@link TrainCommand}, {@code evaluate} the model module's
 * {@link EvaluateMain}.
 *
 * <p>Errors a user can fix (bad flags, unknown format, missing file, port in use, unreachable
 * Kafka) print one line and exit with {@link #CONFIG_ERROR}; anything else prints one line too (the
 * stack trace goes to the log file, or to stderr with {@code DARE_DEBUG=1}).
 */
@Command(
    name = "dare-stream",
    mixinStandardHelpOptions = true,
    version = "dare-stream 0.1.0",
    description = {
      "Streaming training and serving of the DARE long-sequence recommendation model on Flink.",
      ""
    },
    subcommands = {
      LocalCommand.class,
      ReplayCommand.class,
      GeneratorMain.class,
      TrainCommand.class,
      PretrainCommand.class,
      ServeCommand.class,
      EvaluateMain.class,
      CommandLine.HelpCommand.class
    })
public final class DareStreamCli implements Runnable {
  /** Exit status for an error in the configuration or the environment. */
  public static final int CONFIG_ERROR = 2;

  /** Exit status for a failure while running. */
  public static final int RUN_ERROR = 1;

  /** System property that names the log directory (read by the jar's log4j2.xml). */
  static final String LOG_DIR_PROPERTY = "dare.log.dir";

  @Spec CommandSpec spec;

  /** System property that names this process's log file in the log directory (log4j2.xml). */
  static final String LOG_FILE_PROPERTY = "dare.log.file";

  @Override
  public void run() {
    // No command: show what there is.
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  public static void main(String[] args) {
    if (System.getProperty(LOG_DIR_PROPERTY) == null) {
      // Before any logger exists: the log file holds what the one-line errors leave out.
      System.setProperty(
          LOG_DIR_PROPERTY,
          Path.of(System.getProperty("java.io.tmpdir"), "dare-stream", "logs").toString());
    }
    if (System.getProperty(LOG_FILE_PROPERTY) == null) {
      // One file per process: two runs at once must not write (and truncate) the same file.
      System.setProperty(LOG_FILE_PROPERTY, logFileName(LocalDateTime.now(), currentPid()));
    }
    // Flink's log messages trip log4j's placeholder-count warnings on stderr; keep them out.
    if (System.getProperty("log4j2.statusLoggerLevel") == null) {
      System.setProperty("log4j2.statusLoggerLevel", "ERROR");
    }
    System.exit(execute(args));
  }

  /** The log file of a process started at {@code start}: sortable by time, unique by pid. */
  static String logFileName(LocalDateTime start, long pid) {
    return "dare-stream-"
        + start.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT))
        + "-"
        + pid
        + ".log";
  }

  private static long currentPid() {
    return ProcessHandle.current().pid();
  }

  /** The log file of this process, or null when logging is not set up by {@link #main}. */
  static Path logFile() {
    String dir = System.getProperty(LOG_DIR_PROPERTY);
    String file = System.getProperty(LOG_FILE_PROPERTY);
    return dir == null || file == null ? null : Path.of(dir, file);
  }

  /** Runs one command and returns its exit status; never exits the JVM (tests call this). */
  public static int execute(String... args) {
    AvroTrust.ensure();
    return commandLine().execute(args);
  }

  /** The command tree with the project's error handling. */
  static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new DareStreamCli());
    cmd.setExecutionExceptionHandler(
        (e, c, parsed) -> {
          PrintWriter err = c.getErr();
          err.println(c.getCommandName() + ": " + Errors.oneLine(e));
          if (System.getenv("DARE_DEBUG") != null) {
            e.printStackTrace(err);
          } else {
            Errors.log(c.getCommandName(), e);
          }
          err.flush();
          return Errors.isConfigError(e) ? CONFIG_ERROR : RUN_ERROR;
        });
    cmd.setParameterExceptionHandler(
        (e, a) -> {
          CommandLine c = e.getCommandLine();
          c.getErr().println(c.getCommandName() + ": " + e.getMessage());
          c.getErr().println("(see: " + c.getCommandSpec().qualifiedName() + " --help)");
          return CONFIG_ERROR;
        });
    return cmd;
  }
}
