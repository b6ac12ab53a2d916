package io.darestream.schemas.cli;

import picocli.CommandLine;

/**
 * Runs a picocli command as a program of its own ({@code java -cp ... SomeMain --help}) with the
 * launcher's error convention: a bad flag or value prints {@code <command>: <message>} and where to
 * find the help, and exits with {@link #CONFIG_ERROR}; a failure while running prints one line and
 * exits with {@link #RUN_ERROR} ({@code DARE_DEBUG=1} adds the stack trace).
 *
 * <p>The launcher ({@code dare-stream.jar}) registers the same command classes as subcommands and
 * applies its own handlers, which follow the same convention.
 */
public final class StandaloneCommand {
  /** Exit status for a bad flag or value. */
  public static final int CONFIG_ERROR = 2;

  /** Exit status for a failure while running. */
  public static final int RUN_ERROR = 1;

  private StandaloneCommand() {}

  /** Parses {@code args}, runs {@code command} and returns its exit status. */
  public static int execute(Object command, String... args) {
    return commandLine(command).execute(args);
  }

  /** The command line of {@code command} with the one-line error handlers (tests set writers). */
  public static CommandLine commandLine(Object command) {
    CommandLine cmd = new CommandLine(command);
    cmd.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine c = e.getCommandLine();
          c.getErr().println(c.getCommandName() + ": " + e.getMessage());
          c.getErr().println("(see: " + c.getCommandSpec().qualifiedName() + " --help)");
          c.getErr().flush();
          return CONFIG_ERROR;
        });
    cmd.setExecutionExceptionHandler(
        (e, c, parsed) -> {
          c.getErr().println(c.getCommandName() + ": " + firstLine(e));
          if (System.getenv("DARE_DEBUG") != null) {
            e.printStackTrace(c.getErr());
          }
          c.getErr().flush();
          return RUN_ERROR;
        });
    return cmd;
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return m.lines().findFirst().orElse(m).strip();
  }
}
