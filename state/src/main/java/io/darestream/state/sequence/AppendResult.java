package io.darestream.state.sequence;

/** What {@link BehaviorSequence#append} did with an event; callers count the refusals. */
public enum AppendResult {
  /** Stored, in time order. */
  APPENDED,
  /** Its event id was among the recently seen ids; dropped. */
  DUPLICATE,
  /**
   * Older than the newest stored event by more than the out-of-order bound, or older than
   * everything kept at the cap; dropped.
   */
  TOO_LATE
}
