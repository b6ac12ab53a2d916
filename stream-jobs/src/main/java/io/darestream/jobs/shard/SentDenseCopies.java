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

  /**
   * Keeps a clone of {@code copy} (corrections shift it; the sent record stays) and returns its
   * round.
   */
  long send(float[] copy) {
    round++;
    sent.put(round, copy.clone());
    while (sent.size() > maxPending) {
      sent.pollFirstEntry();
    }
    return round;
  }

  /**
   * The correction that the average of {@code averageRound} asks for, {@code average - copy sent
   * for that round}, element by element, or null if that copy is not pending (merged or superseded
   * already, dropped, or never sent). Forgets the copies up to that round, and adds the correction
   * to the copies of later rounds still pending.
   *
   * <p>Why: those copies were sent before this correction was merged, so the averages of their
   * rounds, {@code average - copy}, ask for this correction again. Merged once per pending round, a
   * trainer's distance to the average is undone and overshot as many times as rounds are in flight
   * (the averager waits for the slowest trainer, then the round trip through {@code model-deltas}):
   * the trainers' dense copies oscillate apart with a growing amplitude. Shifted here, each later
   * copy is what the trainer would have sent had the merge come first, and the average of its round
   * corrects only what happened since.
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
    for (float[] later : sent.values()) {
      for (int i = 0; i < later.length; i++) {
        later[i] += delta[i];
      }
    }
    return delta;
  }

  /** Copies sent and not merged yet. */
  int pending() {
    return sent.size();
  }
}
