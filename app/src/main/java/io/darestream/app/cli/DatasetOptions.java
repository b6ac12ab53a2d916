package io.darestream.app.cli;

import io.darestream.app.replay.EventSource;
import io.darestream.app.replay.EventSources;
import io.darestream.app.replay.ExternalTimeSort;
import io.darestream.app.replay.TimeOrder;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.input.MovieLensRatings;
import io.darestream.schemas.input.ParseOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import picocli.CommandLine.Option;

/**
 * What to replay, shared by {@code replay} and {@code local}: a file ({@code --input}, {@code
 * --format}) or, without {@code --input}, the synthetic generator.
 */
public final class DatasetOptions {
  @Option(
      names = "--input",
      paramLabel = "FILE",
      description =
          "Event file to replay (plain or .gz). MovieLens: ratings.csv with movies.csv beside it,"
              + " or the release directory. Without it a synthetic stream is generated.")
  Path input;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "Format of --input: taobao, movielens or events (JSON lines of BehaviorEvent).")
  String format;

  @Option(
      names = "--order",
      defaultValue = "time",
      paramLabel = "time|file",
      description =
          "time (default): sort the file by event time first (external sort in --sort-dir; Taobao"
              + " and MovieLens files are ordered by user, not time). file: replay in file order.")
  String order;

  @Option(
      names = "--sort-dir",
      paramLabel = "DIR",
      description = "Temporary directory of the external sort (default: java.io.tmpdir).")
  Path sortDir;

  @Option(
      names = "--sort-run-size",
      defaultValue = "" + ExternalTimeSort.DEFAULT_RUN_SIZE,
      paramLabel = "N",
      description = "Events sorted in memory per temporary run (default: ${DEFAULT-VALUE}).")
  int sortRunSize;

  @Option(
      names = "--on-bad-line",
      defaultValue = "skip",
      paramLabel = "skip|fail",
      description = "Malformed input lines are counted and skipped (default) or stop the replay.")
  String onBadLine;

  @Option(
      names = "--users",
      defaultValue = "2000",
      description = "Generated stream: users (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(
      names = "--items",
      defaultValue = "2000",
      description =
          "Generated stream: items (default: ${DEFAULT-VALUE}; with many more items than the"
              + " stream has samples, item embeddings cannot be learned within one run).")
  int items;

  @Option(
      names = "--behaviors-per-user",
      defaultValue = "120",
      description = "Generated stream: organic clicks per user (default: ${DEFAULT-VALUE}).")
  int behaviorsPerUser;

  @Option(
      names = "--generator-mode",
      defaultValue = "impressions",
      paramLabel = "impressions|click_only",
      description =
          "Generated stream: impressions with clicks as labels (default), or clicks only.")
  String generatorMode;

  @Option(
      names = "--quality-spread",
      defaultValue = "0",
      paramLabel = "S",
      description =
          "Generated stream: std of the items' quality in click log-odds, independent of the"
              + " topic (default: ${DEFAULT-VALUE}, none; 0.8 is what real data shows).")
  double qualitySpread;

  @Option(
      names = "--taste-strength",
      defaultValue = "0",
      paramLabel = "A",
      description =
          "Generated stream: how much users' tastes decide, in [0, 1] (default: ${DEFAULT-VALUE},"
              + " none): each item has one of two sides and each user prefers one side of each"
              + " interest topic, which only the user's behaviours in that topic show.")
  double tasteStrength;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Generated stream: seed (default: ${DEFAULT-VALUE}).")
  long seed;

  /** True if a file is replayed, false for the generator. */
  public boolean isFile() {
    return input != null;
  }

  /** The input format; checks that {@code --format} goes with {@code --input}. */
  public EventFormat formatOrNull() {
    if (input == null) {
      if (format != null) {
        throw new CliException("--format needs --input");
      }
      return null;
    }
    if (format == null) {
      throw new CliException("--input needs --format (" + EventFormat.names() + ")");
    }
    try {
      return EventFormat.fromName(format);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  /**
   * How samples are made from this dataset unless asked otherwise: IMPRESSION for generated
   * impressions and event files, CLICK_ONLY for Taobao, MovieLens and generated clicks.
   */
  public LabelMode defaultLabelMode() {
    EventFormat format = formatOrNull();
    if (format == null) {
      return generatorConfig().mode() == GeneratorMode.IMPRESSIONS
          ? LabelMode.IMPRESSION
          : LabelMode.CLICK_ONLY;
    }
    return format == EventFormat.EVENTS ? LabelMode.IMPRESSION : LabelMode.CLICK_ONLY;
  }

  /** The generator settings when no file is given. */
  public GeneratorConfig generatorConfig() {
    GeneratorMode mode;
    try {
      mode = GeneratorMode.valueOf(generatorMode.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliException(
          "--generator-mode must be impressions or click_only, got " + generatorMode);
    }
    try {
      return GeneratorConfig.builder()
          .setUsers(users)
          .setItems(items)
          .setBehaviorsPerUser(behaviorsPerUser)
          .optMode(mode)
          .optQualitySpread(qualitySpread)
          .optTasteStrength(tasteStrength)
          .optSeed(seed)
          .build();
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  /** Checks every option without opening anything, so errors come before any start-up. */
  public void validate() {
    EventFormat f = formatOrNull();
    if (f == null) {
      generatorConfig();
    } else if (!input.toFile().exists()) {
      throw new CliException("input file " + input + " does not exist");
    } else if (f == EventFormat.MOVIELENS) {
      if (!MovieLensRatings.ratingsCsv(input).toFile().isFile()) {
        throw new CliException("no ratings.csv in " + input);
      }
      try {
        MovieLensRatings.moviesCsv(input);
      } catch (IOException e) {
        throw new CliException(e.getMessage());
      }
    } else if (input.toFile().isDirectory()) {
      throw new CliException(
          "input " + input + " is a directory; --format " + f.cliName() + " reads a file");
    }
    timeOrder();
    parseOptions();
    if (sortRunSize < 1) {
      throw new CliException("--sort-run-size must be >= 1, got " + sortRunSize);
    }
  }

  TimeOrder timeOrder() {
    try {
      return TimeOrder.fromName(order);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  ParseOptions parseOptions() {
    return switch (onBadLine.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "skip" -> ParseOptions.skip();
      case "fail" -> ParseOptions.fail();
      default -> throw new CliException("--on-bad-line must be skip or fail, got " + onBadLine);
    };
  }

  /**
   * Opens the events. A file in time order is sorted first, which reads it once; {@code
   * sortProgress} hears the events read meanwhile.
   */
  public EventSource open(LongConsumer sortProgress) {
    validate();
    EventFormat f = formatOrNull();
    if (f == null) {
      return EventSources.generated(generatorConfig());
    }
    Path dir = sortDir != null ? sortDir : Path.of(System.getProperty("java.io.tmpdir"));
    return EventSources.file(input, f, parseOptions(), timeOrder(), dir, sortRunSize, sortProgress);
  }
}
