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
    EventSource raw = new FileSource(reader, format.cliName() + " " + path.getFileName());
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
    return new Generated(
        generator.events(),
        total,
        String.format(
            "generated %,d users x %,d behaviours (%s)",
            config.users(), config.behaviorsPerUser(), config.mode().name().toLowerCase()));
  }

  private static final class FileSource implements EventSource {
    private final EventReader reader;
    private final String description;

    FileSource(EventReader reader, String description) {
      this.reader = reader;
      this.description = description;
    }

    @Override
    public boolean hasNext() {
      return reader.hasNext();
    }

    @Override
    public BehaviorEvent next() {
      return reader.next();
    }

    @Override
    public long total() {
      return -1;
    }

    @Override
    public long skipped() {
      return reader.stats().skipped();
    }

    @Override
    public String description() {
      return description;
    }

    @Override
    public void close() {
      reader.close();
    }
  }

  private static final class Generated implements EventSource {
    private final Iterator<BehaviorEvent> events;
    private final long total;
    private final String description;

    Generated(Iterator<BehaviorEvent> events, long total, String description) {
      this.events = events;
      this.total = total;
      this.description = description;
    }

    @Override
    public boolean hasNext() {
      return events.hasNext();
    }

    @Override
    public BehaviorEvent next() {
      return events.next();
    }

    @Override
    public long total() {
      return total;
    }

    @Override
    public long skipped() {
      return 0;
    }

    @Override
    public String description() {
      return description;
    }

    @Override
    public void close() {}
  }
}
