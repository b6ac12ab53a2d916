package io.darestream.model.train;

import io.darestream.model.DareConfig;

/**
 * The behaviours the auxiliary softmax runs over and their weights (reference code: {@code
 * use_aux_loss}, a softmax over every behaviour, so that the attention rows of behaviours the
 * search did not pick learn too). With {@link DareConfig#auxiliarySamples()} = 0 it is that full
 * softmax over all n behaviours. Otherwise it is a sampled softmax: the K picked behaviours plus S
 * drawn uniformly without replacement from the n − K others, whose logits get {@code + ln((n − K) /
 * S)} so that the sampled terms stand for all the unpicked ones in the normaliser; its cost no
 * longer grows with L.
 *
 * <p>The draw is a pure function of the parameters' version, the target and the history (not of a
 * running generator), so the forward and the backward of one step, and the forward-only objective
 * of a gradient check, pick the same behaviours.
 */
final class AuxiliarySubset {
  private final Workspace ws;
  private final DareParameters params;
  private final int samples;
  private final int kCap;
  // Per history index: the stamp of the last subset that took it.
  private final int[] taken;
  private int stamp;

  AuxiliarySubset(DareParameters params, Workspace ws) {
    this.ws = ws;
    this.params = params;
    this.samples = params.config().auxiliarySamples();
    this.kCap = params.shape().kCap();
    this.taken = new int[samples > 0 ? params.shape().maxL() : 0];
  }

  /**
   * Chooses sample {@code b}'s auxiliary behaviours among the gathered history of {@code n}: their
   * history indices into {@code ws.full.index} and their softmax weights into {@code
   * ws.full.weights}, from the scores in {@code ws.all} ({@code scoreEvery} of its query).
   *
   * @return how many
   */
  int choose(int b, int n) {
    Picks full = ws.full;
    if (samples == 0 || samples + ws.selCount[b] >= n) {
      softmaxAll(n, full);
      return n;
    }
    int m = ws.selCount[b];
    if (++stamp == Integer.MAX_VALUE) {
      java.util.Arrays.fill(taken, 0);
      stamp = 1;
    }
    int so = b * kCap;
    for (int r = 0; r < m; r++) {
      int i = ws.sel.index[so + r];
      full.index[r] = i;
      taken[i] = stamp;
    }
    long h =
        mix(
            params.version() * 0x9E3779B97F4A7C15L
                ^ ws.tItem[b] * 0xC2B2AE3D27D4EB4FL
                ^ ws.histItems[0] * 0x165667B19E3779F9L
                ^ n);
    int c = m;
    while (c < m + samples) {
      h = mix(h + 0x9E3779B97F4A7C15L);
      int i = (int) ((h >>> 33) % n);
      if (taken[i] != stamp) {
        taken[i] = stamp;
        full.index[c++] = i;
      }
    }
    float correction = (float) Math.log((double) (n - m) / samples);
    float max = Float.NEGATIVE_INFINITY;
    for (int r = 0; r < c; r++) {
      float z = ws.all.score(full.index[r]) + (r >= m ? correction : 0f);
      full.weights[r] = z;
      max = Math.max(max, z);
    }
    float sum = 0f;
    for (int r = 0; r < c; r++) {
      float e = (float) Math.exp(full.weights[r] - max);
      full.weights[r] = e;
      sum += e;
    }
    for (int r = 0; r < c; r++) {
      full.weights[r] /= sum;
    }
    return c;
  }

  /** The reference's full softmax over every behaviour, in the order the full path always used. */
  private void softmaxAll(int n, Picks full) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, ws.all.score(i));
    }
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(ws.all.score(i) - max);
      full.weights[i] = e;
      sum += e;
    }
    for (int i = 0; i < n; i++) {
      full.weights[i] /= sum;
      full.index[i] = i;
    }
  }

  /** SplitMix64's finaliser: the draws' hash (also {@link CooccurrenceLoss}'s). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
