package io.darestream.model.train;

import static io.darestream.model.train.Logistic.sigmoid;

import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.TrainingSample;
import java.util.ArrayList;
import java.util.List;

/**
 * Scoring: {@link DareForward} and the MLP over shared {@link DareParameters}, with a {@link
 * Workspace} of its own. Any number of scorers may run at once, one per thread, as long as nobody
 * writes the parameters meanwhile ({@code DareModel}'s read/write lock); they compute exactly the
 * trainer's forward, so a score equals training's prequential prediction bit for bit.
 */
public final class DareScorer {
  // Searches of one history from which transposing its keys for the column kernel pays off.
  private static final int TRANSPOSE_FROM_SEARCHES = 8;

  private final Workspace ws;
  private final DareForward forward;
  private final int maxL;
  private final int maxBatch;
  private final int kCap;

  public DareScorer(DareParameters params) {
    this.ws = new Workspace(params);
    this.forward = new DareForward(params, ws);
    NetworkShape s = params.shape();
    this.maxL = s.maxL();
    this.maxBatch = s.maxBatch();
    this.kCap = s.kCap();
  }

  /** Click probabilities of {@code samples}' targets, no training. */
  public float[] predict(List<TrainingSample> samples) {
    float[] out = new float[samples.size()];
    for (int start = 0; start < samples.size(); start += maxBatch) {
      List<TrainingSample> chunk =
          samples.subList(start, Math.min(samples.size(), start + maxBatch));
      forward.embedBatch(chunk, false);
      float[] logits = forward.logits(chunk.size());
      for (int b = 0; b < chunk.size(); b++) {
        out[start + b] = sigmoid(logits[b]);
      }
    }
    return out;
  }

  /**
   * Scores candidates against one history (newest first, cut to its newest L behaviours); the
   * history's attention keys are gathered once and searched per candidate. When {@code explain} is
   * not null it receives, per candidate, the retrieved behaviours.
   */
  public float[] score(
      long[] historyItems,
      long[] historyCategories,
      long[] candidateItems,
      long[] candidateCategories,
      List<Explanation> explain) {
    if (historyItems.length != historyCategories.length) {
      throw new IllegalArgumentException("history items and categories differ in length");
    }
    if (candidateItems.length != candidateCategories.length) {
      throw new IllegalArgumentException("candidate items and categories differ in length");
    }
    int n = Math.min(historyItems.length, maxL);
    forward.refreshPositions(n);
    forward.gatherHistory(historyItems, historyCategories, n);
    if (candidateItems.length >= TRANSPOSE_FROM_SEARCHES) {
      ws.history.transpose();
    }
    float[] out = new float[candidateItems.length];
    for (int start = 0; start < candidateItems.length; start += maxBatch) {
      int count = Math.min(maxBatch, candidateItems.length - start);
      System.arraycopy(candidateItems, start, ws.tItem, 0, count);
      System.arraycopy(candidateCategories, start, ws.tCat, 0, count);
      forward.lookUpTargets(count);
      for (int b = 0; b < count; b++) {
        forward.sample(b, false);
      }
      float[] logits = forward.logits(count);
      for (int b = 0; b < count; b++) {
        out[start + b] = sigmoid(logits[b]);
        if (explain != null) {
          explain.add(explanation(b, out[start + b]));
        }
      }
    }
    return out;
  }

  /** What the search retrieved for candidate {@code b}: position, ids, score and softmax weight. */
  private Explanation explanation(int b, float p) {
    Picks sel = ws.sel;
    List<RetrievedBehaviour> r = new ArrayList<>(ws.selCount[b]);
    for (int j = 0; j < ws.selCount[b]; j++) {
      int o = b * kCap + j;
      r.add(
          new RetrievedBehaviour(
              sel.index[o] + 1, sel.items[o], sel.cats[o], ws.selScore[o], sel.weights[o]));
    }
    return new Explanation(ws.tItem[b], ws.tCat[b], p, r);
  }
}
