package io.darestream.schemas.input;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.validate.EventValidator;
import io.darestream.schemas.validate.Violation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * An {@link EventReader} over a line-oriented text format: reads a line, hands it to the format's
 * {@link LineParser}, validates the event with {@link EventValidator}, and applies the bad-line
 * policy. Blank lines are passed over silently (trailing newlines are common in real files).
 */
final class LineEventReader implements EventReader {
  /** Longest excerpt of a bad line quoted in its reason. */
  private static final int EXCERPT = 80;

  private final BufferedReader in;
  private final String source;
  private final LineParser parser;
  private final ParseOptions options;
  private final ParseStats stats;
  private long lineNumber;
  private BehaviorEvent next;
  private boolean closed;

  LineEventReader(BufferedReader in, String source, LineParser parser, ParseOptions options) {
    this.in = in;
    this.source = source;
    this.parser = parser;
    this.options = options;
    this.stats = new ParseStats(options.keptReasons());
  }

  @Override
  public boolean hasNext() {
    if (next == null && !closed) {
      next = advance();
    }
    return next != null;
  }

  @Override
  public BehaviorEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException("No more events in " + source);
    }
    BehaviorEvent event = next;
    next = null;
    return event;
  }

  private BehaviorEvent advance() {
    while (true) {
      String line = readLine();
      if (line == null) {
        close();
        return null;
      }
      lineNumber++;
      stats.lineRead();
      if (line.isBlank() || parser.isHeader(lineNumber, line)) {
        continue;
      }
      try {
        BehaviorEvent event = parser.parse(line);
        Optional<Violation> violation = EventValidator.validate(event);
        if (violation.isPresent()) {
          throw new InvalidLineException(violation.get().message());
        }
        stats.eventProduced();
        return event;
      } catch (InvalidLineException e) {
        rejected(line, e.getMessage());
      }
    }
  }

  private void rejected(String line, String reason) {
    String quoted =
        reason
            + " (line: \""
            + (line.length() > EXCERPT ? line.substring(0, EXCERPT) + "..." : line)
            + "\")";
    if (options.policy() == BadLinePolicy.FAIL) {
      close();
      throw new BadLineException(source, lineNumber, quoted);
    }
    stats.lineSkipped(source + ":" + lineNumber, quoted);
  }

  private String readLine() {
    try {
      return in.readLine();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("Cannot read " + source + " after line " + lineNumber, e);
    }
  }

  @Override
  public ParseStats stats() {
    return stats;
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        in.close();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot close " + source, e);
      }
    }
  }
}
