package io.darestream.app.replay;

import java.util.Locale;

/**
 * How a file's events are ordered before they are replayed.
 *
 * <p>Why it matters: the job's watermarks assume each Kafka partition is roughly in event-time
 * order (bounded out-of-orderness, {@code dare.ingest.out-of-orderness}). The Taobao UserBehavior
 * file is ordered by user and then time, and MovieLens ratings.csv by user and then movie: replayed
 * as they are, the first user's last day pushes the watermark nine days (or twenty years) ahead and
 * every later user's events arrive "late" and go to the dead-letter topic; the prequential AUC
 * would also score old behaviours with a model trained on the future. {@link #TIME} replays the
 * stream as it happened instead.
 */
public enum TimeOrder {
  /**
   * Sort the whole file by event time first, with a bounded-memory external sort ({@link
   * ExternalTimeSort}: sorted runs in temporary files, then a k-way merge). The default for files.
   */
  TIME,
  /**
   * Replay in file order. Only for files already in time order, or with {@code
   * dare.ingest.max-lateness} raised above the file's time span (each user's own events stay in
   * order because the Kafka key is the user id).
   */
  FILE;

  /** The order called {@code name} ({@code time} or {@code file}, case-insensitive). */
  public static TimeOrder fromName(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Unknown order '" + name + "': expected time or file", e);
    }
  }
}
