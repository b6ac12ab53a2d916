package io.darestream.jobs.sequence;

import io.darestream.state.sequence.BehaviorSequence;
import java.util.List;

/**
 * The per-user state the label join reads and writes: one sequence, pending impressions by item,
 * and event-time timers. Backed by Flink keyed state in the job and by maps in unit tests.
 */
public interface UserTimelineState {
  /** The user's sequence, or null if there is none yet. */
  BehaviorSequence sequence() throws Exception;

  /** Stores {@code sequence} (RocksDB keeps a copy: a change is lost without this call). */
  void updateSequence(BehaviorSequence sequence) throws Exception;

  /** Pending impressions of {@code item}, or null. */
  long[] pending(long item) throws Exception;

  /** Replaces the pending impressions of {@code item}; null removes them. */
  void putPending(long item, long[] entries) throws Exception;

  /** Item ids with pending impressions. */
  List<Long> pendingItems() throws Exception;

  /** Asks for {@link UserTimeline#onTimer} at event time {@code timeMs}. */
  void registerTimer(long timeMs);
}
