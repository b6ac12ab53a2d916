package io.darestream.jobs.sequence;

import io.darestream.state.sequence.AppendResult;

/**
 * What the sequence stage did with one behaviour: an audit trail (side output) that tests and
 * operators use to check that every event landed in its user's sequence exactly once.
 *
 * @param userId the user
 * @param eventId the event's id
 * @param result appended, duplicate or too late
 * @param sequenceLength the user's sequence length afterwards
 */
public record SequenceUpdate(
    long userId, String eventId, AppendResult result, int sequenceLength) {}
