package io.darestream.jobs.sequence;

import java.util.Arrays;

/**
 * Impressions of one (user, item) waiting for a click, and clicks of it waiting for their
 * impression, packed as a {@code long[]} of fixed-size entries. Stored in a {@code MapState<Long,
 * long[]>} keyed by item id: Flink serializes primitive arrays natively (no Kryo), and the common
 * case, one pending impression per item, is 48 bytes.
 *
 * <p>Entry layout: event-id hash, request-id hash (0 = none), category, event time, ingest time,
 * state: {@link #NOT_CLICKED} or {@link #IS_CLICKED} for an impression (a click was attributed; the
 * label is released when the window closes), {@link #EARLY_CLICK} for a click processed before its
 * impression (events of one user can come out of order from different producers), kept for one
 * window for the impression to find it.
 */
final class PendingImpressions {
  static final int FIELDS = 6;
  static final int EVENT_ID = 0;
  static final int REQUEST_ID = 1;
  static final int CATEGORY = 2;
  static final int TIME = 3;
  static final int INGEST_TIME = 4;
  static final int CLICKED = 5;

  static final long NOT_CLICKED = 0;
  static final long IS_CLICKED = 1;
  static final long EARLY_CLICK = 2;

  private PendingImpressions() {}

  static int count(long[] entries) {
    return entries == null ? 0 : entries.length / FIELDS;
  }

  static long get(long[] entries, int i, int field) {
    return entries[i * FIELDS + field];
  }

  /** True if an entry with this event-id hash is pending (a replayed impression). */
  static boolean containsEvent(long[] entries, long eventIdHash) {
    for (int i = 0; i < count(entries); i++) {
      if (get(entries, i, EVENT_ID) == eventIdHash) {
        return true;
      }
    }
    return false;
  }

  static long[] add(
      long[] entries,
      long eventIdHash,
      long requestIdHash,
      long category,
      long timeMs,
      long ingestTimeMs,
      long state) {
    int n = count(entries);
    long[] out = entries == null ? new long[FIELDS] : Arrays.copyOf(entries, (n + 1) * FIELDS);
    int o = n * FIELDS;
    out[o + EVENT_ID] = eventIdHash;
    out[o + REQUEST_ID] = requestIdHash;
    out[o + CATEGORY] = category;
    out[o + TIME] = timeMs;
    out[o + INGEST_TIME] = ingestTimeMs;
    out[o + CLICKED] = state;
    return out;
  }

  /**
   * The entries with entry {@code i} marked as clicked (a new array: state values are not mutated).
   */
  static long[] markClicked(long[] entries, int i) {
    long[] out = entries.clone();
    out[i * FIELDS + CLICKED] = IS_CLICKED;
    return out;
  }

  /** Whether entry {@code i} is a click waiting for its impression. */
  static boolean isEarlyClick(long[] entries, int i) {
    return get(entries, i, CLICKED) == EARLY_CLICK;
  }

  /** The entries without entry {@code i}; null when none remain. */
  static long[] remove(long[] entries, int i) {
    int n = count(entries);
    if (n <= 1) {
      return null;
    }
    long[] out = new long[(n - 1) * FIELDS];
    System.arraycopy(entries, 0, out, 0, i * FIELDS);
    System.arraycopy(entries, (i + 1) * FIELDS, out, i * FIELDS, (n - i - 1) * FIELDS);
    return out;
  }
}
