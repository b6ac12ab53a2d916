package io.darestream.schemas.input;

/** What a parser does with a line it cannot turn into a valid event. */
public enum BadLinePolicy {
  /** Count the line, keep the first few reasons, and go on: a replay of 3.5 GB must not stop. */
  SKIP,
  /** Throw a {@link BadLineException} naming the file, the line number and the reason. */
  FAIL
}
