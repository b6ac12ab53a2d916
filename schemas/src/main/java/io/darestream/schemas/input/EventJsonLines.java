package io.darestream.schemas.input;

import io.darestream.schemas.avro.BehaviorEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;

/** Reads JSON lines of {@link BehaviorEvent} (the form {@link EventJson} writes), one per line. */
public final class EventJsonLines implements LineParser {
  private EventJsonLines() {}

  /** Opens {@code file} (plain or {@code .gz}) for streaming. */
  public static EventReader open(Path file, ParseOptions options) throws IOException {
    return new LineEventReader(
        TextFiles.open(file), file.toString(), new EventJsonLines(), options);
  }

  /** Reads from {@code in}; {@code source} names it in bad-line reports. */
  public static EventReader read(Reader in, String source, ParseOptions options) {
    BufferedReader buffered =
        in instanceof BufferedReader b ? b : new BufferedReader(in, TextFiles.BUFFER_CHARS);
    return new LineEventReader(buffered, source, new EventJsonLines(), options);
  }

  @Override
  public BehaviorEvent parse(String line) throws InvalidLineException {
    return EventJson.parse(line);
  }
}
