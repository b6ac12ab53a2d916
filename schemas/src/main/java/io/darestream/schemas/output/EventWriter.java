package io.darestream.schemas.output;

import io.darestream.schemas.avro.BehaviorEvent;

/** Writes events to a file in one of the input formats, so they can be replayed later. */
public interface EventWriter extends AutoCloseable {
  /** Appends {@code event}. */
  void write(BehaviorEvent event);

  /** Events written so far. */
  long written();

  /** Flushes and closes the file. */
  @Override
  void close();
}
