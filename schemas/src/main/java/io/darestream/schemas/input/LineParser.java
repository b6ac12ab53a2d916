package io.darestream.schemas.input;

import io.darestream.schemas.avro.BehaviorEvent;

/** Turns one line of a text format into an event; one implementation per input format. */
interface LineParser {
  /** Whether line {@code lineNumber} (1-based) is a header to pass over. */
  default boolean isHeader(long lineNumber, String line) {
    return false;
  }

  /** The event on {@code line}, or an {@link InvalidLineException} saying what is wrong. */
  BehaviorEvent parse(String line) throws InvalidLineException;
}
