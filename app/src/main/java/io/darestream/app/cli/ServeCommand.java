package io.darestream.app.cli;

import io.darestream.serving.ServingMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code serve}: the scoring service as its own process; every argument goes to the serving
 * module's {@link ServingMain} ({@code serve --help} shows its options).
 */
@Command(
    name = "serve",
    description = {
      "Runs the scoring service: bootstraps from the newest snapshot, tails model-deltas and"
          + " behavior-events, serves POST /v1/score. Options: serve --help."
    })
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() {
    CommandLine cmd = spec.commandLine();
    return ServingMain.run(cmd.getOut(), cmd.getErr(), args.toArray(String[]::new));
  }
}
