package io.darestream.schemas.generator;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.output.EventWriter;
import io.darestream.schemas.output.EventWriters;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a synthetic stream to a file:
 *
 * <pre>
 * GeneratorMain --users 1000 --items 50000 --behaviors-per-user 2000 --out events.jsonl
 *     [--format events|taobao] [--mode impressions|click_only] [--categories 100] [--topics 50]
 *     [--interests 3] [--impressions-per-user N] [--zipf 1.0] [--seed 42]
 * </pre>
 *
 * The ground truth is not written: the same flags regenerate it exactly ({@link GroundTruth}).
 * Taobao CSV cannot hold impressions, so {@code --format taobao} needs {@code --mode click_only}.
 */
public final class GeneratorMain {
  private GeneratorMain() {}

  public static void main(String[] args) throws IOException {
    try {
      run(args, System.err);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
    }
  }

  /** Parses {@code args}, writes the stream, and reports to {@code log}; returns events written. */
  public static long run(String[] args, PrintStream log) throws IOException {
    Map<String, String> flags = parse(args);
    GeneratorConfig.Builder b =
        GeneratorConfig.builder()
            .setUsers(intFlag(flags, "users", -1))
            .setItems(intFlag(flags, "items", -1))
            .setBehaviorsPerUser(intFlag(flags, "behaviors-per-user", -1))
            .optCategories(intFlag(flags, "categories", 100))
            .optTopics(intFlag(flags, "topics", 50))
            .optInterestsPerUser(intFlag(flags, "interests", 3))
            .optImpressionsPerUser(intFlag(flags, "impressions-per-user", -1))
            .optZipfExponent(Double.parseDouble(flags.getOrDefault("zipf", "1.0")))
            .optSeed(Long.parseLong(flags.getOrDefault("seed", "42")));
    String mode = flags.getOrDefault("mode", "impressions").toUpperCase(Locale.ROOT);
    try {
      b.optMode(GeneratorMode.valueOf(mode));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--mode must be impressions or click_only, got " + flags.get("mode"));
    }
    GeneratorConfig config = b.build();
    EventFormat format = EventFormat.fromName(flags.getOrDefault("format", "events"));
    if (format == EventFormat.TAOBAO && config.mode() == GeneratorMode.IMPRESSIONS) {
      throw new IllegalArgumentException(
          "--format taobao cannot hold impressions: add --mode click_only");
    }
    String out = flags.get("out");
    if (out == null) {
      throw new IllegalArgumentException("--out is required");
    }
    long start = System.nanoTime();
    long written;
    try (EventWriter writer = EventWriters.open(format, Path.of(out))) {
      Iterator<BehaviorEvent> events = new StreamGenerator(config).events();
      while (events.hasNext()) {
        writer.write(events.next());
      }
      written = writer.written();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    log.printf(
        Locale.ROOT,
        "wrote %,d events to %s (%s) in %.1f s: %s%n",
        written,
        out,
        format.cliName(),
        seconds,
        config);
    return written;
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --flag value pairs, got '" + args[i] + "'");
      }
      flags.put(args[i].substring(2), args[++i]);
    }
    return flags;
  }

  private static int intFlag(Map<String, String> flags, String name, int fallback) {
    String v = flags.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be an integer, got '" + v + "'");
    }
  }

  private static String usage() {
    return "usage: GeneratorMain --users N --items N --behaviors-per-user N --out FILE"
        + " [--format events|taobao] [--mode impressions|click_only] [--categories N]"
        + " [--topics N] [--interests N] [--impressions-per-user N] [--zipf S] [--seed N]";
  }
}
