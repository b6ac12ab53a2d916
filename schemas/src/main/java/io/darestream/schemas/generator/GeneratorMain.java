package io.darestream.schemas.generator;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.cli.StandaloneCommand;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.output.EventWriter;
import io.darestream.schemas.output.EventWriters;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code generate}: writes a synthetic stream to a file. The launcher's {@code generate} command
 * and a program of its own:
 *
 * <pre>
 * GeneratorMain --users 1000 --items 50000 --behaviors-per-user 2000 --out events.jsonl
 *     [--format events|taobao] [--mode impressions|click_only] [--categories 100] [--topics 50]
 *     [--interests 3] [--impressions-per-user N] [--zipf 1.0] [--quality-spread 0]
 *     [--taste-strength 0] [--seed 42]
 * </pre>
 *
 * The ground truth is not written: the same flags regenerate it exactly ({@link GroundTruth}).
 * Taobao CSV cannot hold impressions, so {@code --format taobao} needs {@code --mode click_only}.
 * The report line goes to the command line's error writer, so that standard output stays free.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a deterministic synthetic behaviour stream with planted long-range interests.",
      "The same flags regenerate the same events (and the ground truth the evaluation uses).",
      ""
    })
public final class GeneratorMain implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output file.")
  Path out;

  @Option(
      names = "--users",
      required = true,
      converter = Count.class,
      paramLabel = "N",
      description = "Users (ids 1..N).")
  int users;

  @Option(
      names = "--items",
      required = true,
      converter = Count.class,
      paramLabel = "N",
      description = "Items (ids 1..N).")
  int items;

  @Option(
      names = "--behaviors-per-user",
      required = true,
      converter = Count.class,
      paramLabel = "N",
      description = "Organic clicks per user (at most 10,000).")
  int behaviorsPerUser;

  @Option(
      names = "--format",
      defaultValue = "events",
      paramLabel = "events|taobao",
      description = "events (JSON lines, default) or taobao (CSV; needs --mode click_only).")
  String format;

  @Option(
      names = "--mode",
      defaultValue = "impressions",
      paramLabel = "impressions|click_only",
      description = "impressions (with label clicks, default) or click_only.")
  String mode;

  @Option(
      names = "--categories",
      defaultValue = "100",
      converter = Count.class,
      paramLabel = "N",
      description = "Default: ${DEFAULT-VALUE}.")
  int categories;

  @Option(
      names = "--topics",
      defaultValue = "50",
      converter = Count.class,
      paramLabel = "N",
      description = "Default: ${DEFAULT-VALUE}.")
  int topics;

  @Option(
      names = "--interests",
      defaultValue = "3",
      converter = Count.class,
      paramLabel = "N",
      description = "Interest topics per user (default: ${DEFAULT-VALUE}).")
  int interests;

  @Option(
      names = "--impressions-per-user",
      converter = Count.class,
      paramLabel = "N",
      description = "Default: a quarter of the behaviours per user.")
  Integer impressionsPerUser;

  @Option(
      names = "--zipf",
      defaultValue = "1.0",
      paramLabel = "S",
      description = "Item popularity exponent (default: ${DEFAULT-VALUE}).")
  double zipf;

  @Option(
      names = "--quality-spread",
      defaultValue = "0",
      paramLabel = "S",
      description =
          "Std of the items' quality in click log-odds, independent of the topic (default:"
              + " ${DEFAULT-VALUE}, none; 0.8 is what real data shows).")
  double qualitySpread;

  @Option(
      names = "--taste-strength",
      defaultValue = "0",
      paramLabel = "A",
      description =
          "How much users' tastes decide, in [0, 1]: each item has one of two sides, each user"
              + " prefers one side of each interest topic (default: ${DEFAULT-VALUE}, none).")
  double tasteStrength;

  @Option(
      names = "--seed",
      defaultValue = "42",
      paramLabel = "N",
      description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  public static void main(String[] args) {
    System.exit(StandaloneCommand.execute(new GeneratorMain(), args));
  }

  @Override
  public Integer call() {
    GeneratorConfig config = config();
    EventFormat eventFormat = eventFormat(config);
    write(config, eventFormat, spec.commandLine().getErr());
    return 0;
  }

  /** Writes the stream and reports the count to {@code log}. */
  private void write(GeneratorConfig config, EventFormat eventFormat, PrintWriter log) {
    long start = System.nanoTime();
    long written;
    try (EventWriter writer = EventWriters.open(eventFormat, out)) {
      Iterator<BehaviorEvent> events = new StreamGenerator(config).events();
      while (events.hasNext()) {
        writer.write(events.next());
      }
      written = writer.written();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    log.printf(
        Locale.ROOT,
        "wrote %,d events to %s (%s) in %.1f s: %s%n",
        written,
        out,
        eventFormat.cliName(),
        seconds,
        config);
    log.flush();
  }

  private GeneratorConfig config() {
    GeneratorConfig.Builder b =
        GeneratorConfig.builder()
            .setUsers(users)
            .setItems(items)
            .setBehaviorsPerUser(behaviorsPerUser)
            .optCategories(categories)
            .optTopics(topics)
            .optInterestsPerUser(interests)
            .optImpressionsPerUser(impressionsPerUser == null ? -1 : impressionsPerUser)
            .optZipfExponent(zipf)
            .optQualitySpread(qualitySpread)
            .optTasteStrength(tasteStrength)
            .optSeed(seed);
    try {
      b.optMode(GeneratorMode.valueOf(mode.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw invalid("--mode must be impressions or click_only, got " + mode);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  private EventFormat eventFormat(GeneratorConfig config) {
    EventFormat f;
    try {
      f = EventFormat.fromName(format);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
    if (f == EventFormat.MOVIELENS) {
      throw invalid("--format movielens cannot be written: write taobao or events instead");
    }
    if (f == EventFormat.TAOBAO && config.mode() == GeneratorMode.IMPRESSIONS) {
      throw invalid("--format taobao cannot hold impressions: add --mode click_only");
    }
    return f;
  }

  /** A bad value: picocli reports it like a parse error (one line, exit status 2). */
  private ParameterException invalid(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** An int that may be written with digit separators ({@code 50_000}). */
  static final class Count implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        return Integer.valueOf(value.replace("_", ""));
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "' is not an integer");
      }
    }
  }
}
