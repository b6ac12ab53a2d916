package io.darestream.jobs.shard;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A sharded trainer's side of dense averaging, without Flink: the copies it sent to the {@link
 * DenseAverager} by round, and the correction {@code average - copy} that an average of one of them
 * asks the trainer to add to its own dense parameters.
 *
 * <p>Not thread-safe (the trainer's task thread only).
 */
final class SentDenseCopies {
  private final int maxPending;
  private final NavigableMap<Long, float[]> sent = new TreeMap<>();
  private long round;

  /**
   * @param maxPending copies kept until their round's average comes back; older ones are dropped
   *     (the averager is far behind; their averages will not be merged)
   */
  SentDenseCopies(int maxPending) {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be >= 1, got " + maxPending);
    }
    this.maxPending = maxPending;
  }

  /** Keeps {@code copy} (not copied: the caller must not change it) and returns its round. */
  long send(float[] copy) {
    round++;
    sent.put(round, copy);
    while (sent.size() > maxPending) {
      sent.pollFirstEntry();
    }
    return round;
  }

  /**
   * The correction that the average of {@code averageRound} asks for, {@code average - copy sent
   * for that round}, element by element, or null if that copy is not pending (merged or superseded
   * already, dropped, or never sent). Forgets the copies up to that round.
   *
   * @throws IllegalArgumentException if the average's size differs from the copy's
   */
  float[] correction(long averageRound, float[] average) {
    float[] copy = sent.get(averageRound);
    if (copy == null) {
      return null;
    }
    if (copy.length != average.length) {
      throw new IllegalArgumentException(
          "dense average of " + average.length + " floats, the copy had " + copy.length);
    }
    // Rounds up to this one are merged (or superseded by it).
    sent.headMap(averageRound, true).clear();
    float[] delta = new float[copy.length];
    for (int i = 0; i < copy.length; i++) {
      delta[i] = average[i] - copy[i];
    }
    return delta;
  }

  /** Copies sent and not merged yet. */
  int pending() {
    return sent.size();
  }
}
