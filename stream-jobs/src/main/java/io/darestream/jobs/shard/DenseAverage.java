package io.darestream.jobs.shard;

import java.util.Arrays;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The dense averager's logic without Flink: collects the trainers' {@link DenseCopy}s per round and
 * yields a round's average once every trainer's copy of it is in. Rounds a trainer skipped (it
 * restarted, or fell far behind) are dropped once {@code maxOpenRounds} newer rounds are open, so
 * the buffer stays bounded. With one trainer the average is its copy, bit for bit.
 *
 * <p>Not thread-safe.
 */
public final class DenseAverage {
  private final int trainers;
  private final int maxOpenRounds;
  private final NavigableMap<Long, Round> open = new TreeMap<>();
  private final float[][] latest;
  private long completedRound;

  /** A finished average. */
  public record Result(long round, float[] values) {}

  private static final class Round {
    final float[] sum;
    final boolean[] seen;
    int count;

    Round(int size, int trainers) {
      this.sum = new float[size];
      this.seen = new boolean[trainers];
    }
  }

  public DenseAverage(int trainers, int maxOpenRounds) {
    if (trainers < 1 || maxOpenRounds < 1) {
      throw new IllegalArgumentException(
          "trainers and maxOpenRounds must be >= 1, got " + trainers + ", " + maxOpenRounds);
    }
    this.trainers = trainers;
    this.maxOpenRounds = maxOpenRounds;
    this.latest = new float[trainers][];
  }

  /**
   * Adds a copy; returns the average of its round if the copy completed it (null otherwise).
   *
   * @throws IllegalArgumentException for a subtask outside {@code [0, trainers)}, a copy whose size
   *     differs from the others of its round, or a copy with a NaN or an infinity (a diverged
   *     trainer: averaged in, it would spread to serving and to every trainer; failing the job
   *     restarts the trainers from the last finite average instead)
   */
  public Result add(DenseCopy copy) {
    int s = copy.subtask();
    if (s < 0 || s >= trainers) {
      throw new IllegalArgumentException(
          "dense copy from trainer " + s + ", expected one of " + trainers);
    }
    float[] values = copy.values();
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            "dense copy of trainer "
                + s
                + ", round "
                + copy.round()
                + " has "
                + values[i]
                + " at "
                + i
                + ": the trainer diverged");
      }
    }
    latest[s] = values;
    if (copy.round() <= completedRound) {
      return null; // a round already averaged (a replayed or late copy)
    }
    Round r = open.computeIfAbsent(copy.round(), k -> new Round(copy.values().length, trainers));
    if (r.sum.length != copy.values().length) {
      throw new IllegalArgumentException(
          "dense copy of " + copy.values().length + " floats, round has " + r.sum.length);
    }
    if (r.seen[s]) {
      return null;
    }
    r.seen[s] = true;
    float[] v = copy.values();
    if (r.count == 0) {
      // Copied, not added to zeros: 0f + -0f is 0f, and one trainer's average must be its copy.
      System.arraycopy(v, 0, r.sum, 0, v.length);
    } else {
      for (int i = 0; i < v.length; i++) {
        r.sum[i] += v[i];
      }
    }
    r.count++;
    Result result = null;
    if (r.count == trainers) {
      result = new Result(copy.round(), divide(r.sum, trainers));
      completedRound = copy.round();
      open.headMap(copy.round(), true).clear();
    }
    while (open.size() > maxOpenRounds) {
      open.pollFirstEntry();
    }
    return result;
  }

  /**
   * The average of every trainer's newest copy (those that sent one), for the end of a bounded
   * input; null if none sent any.
   */
  public float[] averageOfLatest() {
    float[] sum = null;
    int n = 0;
    for (float[] v : latest) {
      if (v == null) {
        continue;
      }
      if (sum == null) {
        sum = v.clone();
      } else {
        for (int i = 0; i < v.length; i++) {
          sum[i] += v[i];
        }
      }
      n++;
    }
    return sum == null ? null : divide(sum, n);
  }

  /** Rounds waiting for copies. */
  public int openRounds() {
    return open.size();
  }

  public long completedRound() {
    return completedRound;
  }

  private static float[] divide(float[] sum, int n) {
    if (n == 1) {
      return Arrays.copyOf(sum, sum.length);
    }
    float[] out = new float[sum.length];
    for (int i = 0; i < sum.length; i++) {
      out[i] = sum[i] / n;
    }
    return out;
  }
}
