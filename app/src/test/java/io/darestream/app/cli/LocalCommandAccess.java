package io.darestream.app.cli;

import io.darestream.app.local.LocalSettings;
import picocli.CommandLine;

/** Lets tests in other packages turn {@code local} arguments into settings, as the CLI does. */
public final class LocalCommandAccess {
  private LocalCommandAccess() {}

  public static LocalSettings settings(String... args) {
    LocalCommand cmd = new LocalCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd.settings();
  }
}
