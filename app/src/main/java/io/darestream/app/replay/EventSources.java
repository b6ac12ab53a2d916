package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.input.EventReader;
import io.darestream.schemas.input.ParseOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongConsumer;

/** Opens the {@link EventSource}s the CLI replays: a file in one of the formats, or a generator. */
public final class EventSources {
  private EventSources() {}

  /**
   * A file in {@code format}; with {@link TimeOrder#TIME} it is sorted by event time first (see
   * {@link ExternalTimeSort}), which reads the whole file once before the first event is returned.
   *
   * @throws IllegalArgumentException if the file does not exist
   */
  public static EventSource file(
      Path path,
      EventFormat format,
      ParseOptions parse,
      TimeOrder order,
      Path sortDir,
      int runSize,
      LongConsumer sortProgress) {
    if (!Files.exists(path)) {
      throw new IllegalArgumentException("input file " + path + " does not exist");
    }
    EventReader reader;
    try {
      reader = format.open(path, parse);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open " + path + ": " + e.getMessage(), e);
    }
    EventSource raw =
        new IteratorSource(
            reader,
            -1,
            () -> reader.stats().skipped(),
            () -> List.copyOf(reader.stats().firstReasons()),
            format.cliName() + " " + path.getFileName(),
            reader::close);
    return order == TimeOrder.TIME
        ? ExternalTimeSort.sort(raw, sortDir, runSize, sortProgress)
        : raw;
  }

  /**
   * The synthetic stream of {@code config}, already in time order. Its size is counted by a first
   * pass (the generator is deterministic and much faster than any replay), so progress has an ETA.
   */
  public static EventSource generated(GeneratorConfig config) {
    StreamGenerator generator = new StreamGenerator(config);
    long total = 0;
    for (Iterator<BehaviorEvent> it = generator.events(); it.hasNext(); it.next()) {
      total++;
    }
    return new IteratorSource(
        generator.events(),
        total,
        () -> 0,
        List::of,
        String.format(
            "generated %,d users x %,d behaviours (%s)",
            config.users(), config.behaviorsPerUser(), config.mode().name().toLowerCase()),
        () -> {});
  }
}
