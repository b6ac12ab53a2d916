package io.darestream.jobs.shard;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A sharded trainer's side of dense merging, without Flink: its dense values at each round it sent
 * (round 0: the values it started from), the reference its next {@link DenseProgress} is measured
 * from, and the correction {@code G - copy} that the averager's dense model G of one version asks
 * the trainer to add to its own dense parameters.
 *
 * <p>The averager publishes G of version {@code v} holding every trainer's progress of rounds up to
 * {@code v} ({@link DenseProgressSum}); with {@code copy} this trainer's values at its newest round
 * up to {@code v}, {@code own + G - copy} is G plus what this trainer trained since: the others'
 * progress is adopted, its own is kept, nothing counted twice. Version 0 is the averager's dense
 * model when it opened (the restored one after a restore), so merging it moves a trainer that
 * started from the initial values to the restored ones, keeping what it trained meanwhile.
 *
 * <p>Rounds are numbered by the caller's clock ({@link #send}: at least the time, and above the
 * previous round), not counted: the trainers' rounds then stay together however often each one's
 * timer fires late (counted, a trainer on a busier mailbox falls a round behind every so many, and
 * after a long run the others' copies of the rounds G comes back for are long dropped).
 *
 * <p>Not thread-safe (the trainer's task thread only).
 */
final class SentDenseCopies {
  /** A progress to send: what training moved the dense values since the previous send. */
  record Progress(long round, float[] values) {}

  private final int maxPending;
  private final NavigableMap<Long, float[]> sent = new TreeMap<>();
  private float[] reference;
  private long round;

  /**
   * @param maxPending copies kept until G of their round comes back; older ones are dropped (the
   *     averager is far behind; those versions of G will not be merged, later ones will)
   * @param initial the trainer's dense values when it opened: the copy of round 0
   */
  SentDenseCopies(int maxPending, float[] initial) {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be >= 1, got " + maxPending);
    }
    this.maxPending = maxPending;
    this.reference = initial.clone();
    sent.put(0L, initial.clone());
  }

  /**
   * Starts the next round, numbered {@code max(previous + 1, atLeast)}: returns {@code own -
   * reference} with the round's number, and keeps {@code own} as the round's copy and the next
   * reference (clones: corrections shift them).
   *
   * @param atLeast the lowest round number wanted (the trainer passes its processing time in ms)
   * @throws IllegalArgumentException if {@code own}'s size differs from the reference's
   */
  Progress send(float[] own, long atLeast) {
    if (own.length != reference.length) {
      throw new IllegalArgumentException(
          "dense values of " + own.length + " floats, the reference has " + reference.length);
    }
    float[] progress = new float[own.length];
    for (int i = 0; i < own.length; i++) {
      progress[i] = own[i] - reference[i];
    }
    round = Math.max(round + 1, atLeast);
    reference = own.clone();
    sent.put(round, own.clone());
    while (sent.size() > maxPending) {
      sent.pollFirstEntry();
    }
    return new Progress(round, progress);
  }

  /**
   * The correction that G of version {@code version} asks for, {@code G - copy}, element by
   * element, {@code copy} being this trainer's values at its newest round up to {@code version};
   * null if that copy is not kept (dropped, or older than a version merged already). Forgets the
   * older copies and adds the correction to the copies kept (that copy, which becomes G: a later
   * version before this trainer's next round corrects by what the others trained in between) and to
   * the reference.
   *
   * <p>Why: the later copies were taken before this correction was merged, so G of their rounds,
   * {@code G - copy}, would ask for this correction again (merged once per pending round, a
   * trainer's distance to G is undone and overshot as many times as rounds are in flight, and the
   * trainers oscillate apart). Shifted here, each later copy is what the trainer would have had had
   * the merge come first. The reference is shifted for the same reason: the next progress is {@code
   * own - reference}, and the correction is no training.
   *
   * @throws IllegalArgumentException if G's size differs from the copy's
   */
  float[] correction(long version, float[] model) {
    var base = sent.floorEntry(version);
    if (base == null) {
      return null;
    }
    float[] copy = base.getValue();
    if (copy.length != model.length) {
      throw new IllegalArgumentException(
          "dense model of " + model.length + " floats, the copy had " + copy.length);
    }
    sent.headMap(base.getKey(), false).clear();
    float[] delta = new float[copy.length];
    for (int i = 0; i < copy.length; i++) {
      delta[i] = model[i] - copy[i];
    }
    for (float[] kept : sent.values()) {
      shift(kept, delta);
    }
    shift(reference, delta);
    return delta;
  }

  private static void shift(float[] values, float[] delta) {
    for (int i = 0; i < values.length; i++) {
      values[i] += delta[i];
    }
  }

  /** Copies kept (round 0 included, and the newest merged one). */
  int pending() {
    return sent.size();
  }
}
