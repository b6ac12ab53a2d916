package io.darestream.jobs.bootstrap;

import io.darestream.state.sequence.BehaviorSequence;
import java.util.SortedMap;

/**
 * One user's sequence-stage state at the end of a history: the behaviour sequence (with its dedup
 * ids), the impressions still waiting for their attribution window by item, and the event-time
 * timers that will close those windows.
 *
 * @param sequence null if the user has only pending impressions
 * @param pending item id to {@code PendingImpressions} entries
 * @param timers event times of the user's timers, ascending
 */
public record UserState(
    long userId, BehaviorSequence sequence, SortedMap<Long, long[]> pending, long[] timers) {}
