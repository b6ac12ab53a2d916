package io.darestream.jobs.shard;

import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The dense averager's logic without Flink: holds the published dense model G and folds the
 * trainers' {@link DenseProgress} into it, {@code G += scale × Σ progress}, round by round.
 *
 * <p>Round {@code r} is complete once every trainer sent a progress of round {@code r} or later
 * (each trainer sends increasing rounds, numbered by its clock, on one FIFO channel, so by then
 * every progress of rounds up to {@code r} is in); G is then published as version {@code r}, the
 * newest round complete that some progress was sent for. The version is what keeps the trainers
 * right: G of version {@code r} holds every trainer's progress of rounds up to {@code r} and none
 * later, so a trainer that merges it as {@code own += G - its copy of its newest round up to r}
 * ({@link SentDenseCopies}) counts its own later progress once, in {@code own}.
 *
 * <p>Nothing received is ever lost: when more than {@code maxOpenRounds} rounds are open (a trainer
 * lags) the oldest open round's sum is added to the next one's (that round is then published later,
 * as part of the next, never before a trainer's copy of it could be matched); a progress of a round
 * already published (a replay) is folded in with the next publish. {@link #checkpointValue} is G
 * plus everything received and not folded yet: a job restored from it has exactly the progress sent
 * before the barrier, once.
 *
 * <p>{@code scale} 1 sums the trainers' progress (each trainer's steps count fully, as the single
 * trainer's do; N trainers take N× the steps per round on N× the samples); {@code 1/N} averages it
 * (model averaging: per round G moves by the mean of the trainers' progress). With one trainer the
 * two are the same, and a progress of zeros leaves G's bits as they are.
 *
 * <p>Not thread-safe.
 */
public final class DenseProgressSum {
  private final int trainers;
  private final int maxOpenRounds;
  private final float scale;
  private final float[] model;
  // Sums of progress not folded yet, by the newest round each holds (a merged round's sum holds
  // the rounds after the previous key up to its own).
  private final NavigableMap<Long, float[]> open = new TreeMap<>();
  private final long[] newestRound;
  private float[] late;
  private long version;

  /** A dense model to publish. */
  public record Result(long version, float[] values) {}

  /**
   * @param initial G at version 0 (the model's initial dense, or the restored one); copied
   */
  public DenseProgressSum(int trainers, int maxOpenRounds, float scale, float[] initial) {
    if (trainers < 1 || maxOpenRounds < 1) {
      throw new IllegalArgumentException(
          "trainers and maxOpenRounds must be >= 1, got " + trainers + ", " + maxOpenRounds);
    }
    if (!(scale > 0f) || !Float.isFinite(scale)) {
      throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
    }
    requireFinite(initial, "the initial dense model");
    this.trainers = trainers;
    this.maxOpenRounds = maxOpenRounds;
    this.scale = scale;
    this.model = initial.clone();
    this.newestRound = new long[trainers];
  }

  /**
   * Adds a progress; returns G if the progress completed a round (it is then published as that
   * round's version), else null.
   *
   * @throws IllegalArgumentException for a subtask outside {@code [0, trainers)}, a round below 1,
   *     a progress whose size differs from G's, or one with a NaN or an infinity (a diverged
   *     trainer: folded in, it would spread to serving and to every trainer; failing the job
   *     restarts the trainers from the last checkpoint's finite dense model instead)
   */
  public Result add(DenseProgress progress) {
    int s = progress.subtask();
    if (s < 0 || s >= trainers) {
      throw new IllegalArgumentException(
          "dense progress from trainer " + s + ", expected one of " + trainers);
    }
    if (progress.round() < 1) {
      throw new IllegalArgumentException(
          "dense progress of trainer "
              + s
              + " for round "
              + progress.round()
              + ", rounds are >= 1");
    }
    float[] values = progress.values();
    if (values.length != model.length) {
      throw new IllegalArgumentException(
          "dense progress of " + values.length + " floats, the dense model has " + model.length);
    }
    requireFinite(values, "dense progress of trainer " + s + ", round " + progress.round());
    long round = progress.round();
    if (round <= version || round <= newestRound[s]) {
      // A replay or a progress out of its trainer's order: its round may be published already.
      late = addInto(late, values);
      return null;
    }
    newestRound[s] = round;
    Map.Entry<Long, float[]> holder = open.ceilingEntry(round);
    if (holder != null) {
      addInto(holder.getValue(), values); // its round was merged into a later one
    } else {
      open.put(round, values.clone());
    }
    while (open.size() > maxOpenRounds) {
      float[] oldest = open.pollFirstEntry().getValue();
      addInto(open.firstEntry().getValue(), oldest);
    }
    long complete = Arrays.stream(newestRound).min().orElseThrow();
    Long publishable = open.floorKey(complete);
    if (publishable == null) {
      return null;
    }
    NavigableMap<Long, float[]> done = open.headMap(publishable, true);
    done.values().forEach(this::fold);
    done.clear();
    foldLate();
    version = publishable;
    return new Result(version, model.clone());
  }

  /**
   * Folds everything received and returns G under a version above every round seen, for the end of
   * a bounded input.
   */
  public Result finish() {
    long last = Math.max(version, open.isEmpty() ? 0 : open.lastKey());
    for (long r : newestRound) {
      last = Math.max(last, r);
    }
    open.values().forEach(this::fold);
    open.clear();
    foldLate();
    version = last + 1;
    return new Result(version, model.clone());
  }

  /**
   * G plus {@code scale ×} everything received and not folded yet: the dense model to checkpoint.
   */
  public float[] checkpointValue() {
    float[] out = model.clone();
    for (float[] sum : open.values()) {
      addScaled(out, sum);
    }
    if (late != null) {
      addScaled(out, late);
    }
    return out;
  }

  /** The version of G last returned (0 before any round completed). */
  public long version() {
    return version;
  }

  /** Rounds waiting for progress. */
  public int openRounds() {
    return open.size();
  }

  private void fold(float[] sum) {
    addScaled(model, sum);
  }

  private void foldLate() {
    if (late != null) {
      addScaled(model, late);
      late = null;
    }
  }

  private void addScaled(float[] target, float[] sum) {
    for (int i = 0; i < sum.length; i++) {
      // Zero progress leaves the bits (0f + -0f is 0f, and -0f must stay -0f).
      if (sum[i] != 0f) {
        target[i] += scale == 1f ? sum[i] : scale * sum[i];
      }
    }
  }

  private float[] addInto(float[] target, float[] values) {
    if (target == null) {
      return values.clone();
    }
    for (int i = 0; i < values.length; i++) {
      target[i] += values[i];
    }
    return target;
  }

  private static void requireFinite(float[] values, String what) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            what + " has " + values[i] + " at " + i + ": the trainer diverged");
      }
    }
  }
}
