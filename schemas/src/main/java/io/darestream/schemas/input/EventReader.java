package io.darestream.schemas.input;

import io.darestream.schemas.avro.BehaviorEvent;
import java.util.Iterator;

/**
 * A pull-style stream of events read from a file, one line at a time (never the whole file in
 * memory). {@link #next()} may throw {@link BadLineException} under {@link BadLinePolicy#FAIL} and
 * {@link java.io.UncheckedIOException} when the file cannot be read. Close it when done; it closes
 * itself at the end of the input.
 */
public interface EventReader extends Iterator<BehaviorEvent>, AutoCloseable {
  /** Counters so far; final once {@link #hasNext()} returned false. */
  ParseStats stats();

  /** Name of the input, as used in bad-line reports. */
  String source();

  @Override
  void close();
}
