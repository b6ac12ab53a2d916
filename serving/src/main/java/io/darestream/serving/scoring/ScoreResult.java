package io.darestream.serving.scoring;

import java.util.List;

/**
 * Scores for the candidates of one request, in request order, with the model generation that
 * produced them. {@code retrieved} is null unless the request asked for an explanation; otherwise
 * it has one list per candidate.
 */
public record ScoreResult(
    ModelVersion model,
    float[] scores,
    boolean userKnown,
    List<List<RetrievedBehavior>> retrieved) {
  public ScoreResult {
    if (retrieved != null && retrieved.size() != scores.length) {
      throw new IllegalArgumentException(
          "retrieved has " + retrieved.size() + " lists for " + scores.length + " scores");
    }
  }

  public boolean explained() {
    return retrieved != null;
  }
}
