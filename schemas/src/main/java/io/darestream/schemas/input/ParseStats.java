package io.darestream.schemas.input;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Counters of one parse: lines read, events produced, lines skipped, and the first few skip reasons
 * (each {@code file:line: reason}), so a replay can report what it dropped without keeping it all.
 */
public final class ParseStats {
  private final int keptReasons;
  private final List<String> firstReasons = new ArrayList<>();
  private long linesRead;
  private long events;
  private long skipped;

  ParseStats(int keptReasons) {
    this.keptReasons = keptReasons;
  }

  void lineRead() {
    linesRead++;
  }

  void eventProduced() {
    events++;
  }

  void lineSkipped(String where, String reason) {
    skipped++;
    if (firstReasons.size() < keptReasons) {
      firstReasons.add(where + ": " + reason);
    }
  }

  /** Physical lines read so far, including headers, blank and bad lines. */
  public long linesRead() {
    return linesRead;
  }

  /** Events produced so far. */
  public long events() {
    return events;
  }

  /** Bad lines skipped so far (always 0 under {@link BadLinePolicy#FAIL}). */
  public long skipped() {
    return skipped;
  }

  /** The first reasons for skipping, as {@code file:line: reason}. */
  public List<String> firstReasons() {
    return Collections.unmodifiableList(firstReasons);
  }

  @Override
  public String toString() {
    return "lines="
        + linesRead
        + " events="
        + events
        + " skipped="
        + skipped
        + (firstReasons.isEmpty() ? "" : " first=" + firstReasons);
  }
}
