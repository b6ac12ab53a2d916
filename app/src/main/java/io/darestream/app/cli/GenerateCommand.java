package io.darestream.app.cli;

import io.darestream.schemas.generator.GeneratorMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code generate}: writes a synthetic stream to a file (wraps the schemas module's generator). */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a deterministic synthetic behaviour stream with planted long-range interests.",
      "The same flags regenerate the same events (and the ground truth the evaluation uses).",
      ""
    })
public final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output file.")
  Path out;

  @Option(names = "--users", required = true, description = "Users (ids 1..N).")
  int users;

  @Option(names = "--items", required = true, description = "Items (ids 1..N).")
  int items;

  @Option(
      names = "--behaviors-per-user",
      required = true,
      description = "Organic clicks per user (at most 10,000).")
  int behaviorsPerUser;

  @Option(
      names = "--format",
      defaultValue = "events",
      description = "events (JSON lines, default) or taobao (CSV; needs --mode click_only).")
  String format;

  @Option(
      names = "--mode",
      defaultValue = "impressions",
      description = "impressions (with label clicks, default) or click_only.")
  String mode;

  @Option(names = "--categories", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}.")
  int categories;

  @Option(names = "--topics", defaultValue = "50", description = "Default: ${DEFAULT-VALUE}.")
  int topics;

  @Option(
      names = "--interests",
      defaultValue = "3",
      description = "Interest topics per user (default: ${DEFAULT-VALUE}).")
  int interests;

  @Option(
      names = "--impressions-per-user",
      description = "Default: a quarter of the behaviours per user.")
  Integer impressionsPerUser;

  @Option(
      names = "--zipf",
      defaultValue = "1.0",
      description = "Item popularity exponent (default: ${DEFAULT-VALUE}).")
  double zipf;

  @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Override
  public Integer call() {
    List<String> args = new ArrayList<>();
    add(args, "out", out);
    add(args, "users", users);
    add(args, "items", items);
    add(args, "behaviors-per-user", behaviorsPerUser);
    add(args, "format", format);
    add(args, "mode", mode);
    add(args, "categories", categories);
    add(args, "topics", topics);
    add(args, "interests", interests);
    if (impressionsPerUser != null) {
      add(args, "impressions-per-user", impressionsPerUser);
    }
    add(args, "zipf", zipf);
    add(args, "seed", seed);
    try {
      GeneratorMain.run(args.toArray(String[]::new), System.err);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
    }
    return 0;
  }

  private static void add(List<String> args, String flag, Object value) {
    args.add("--" + flag);
    args.add(String.valueOf(value));
  }
}
