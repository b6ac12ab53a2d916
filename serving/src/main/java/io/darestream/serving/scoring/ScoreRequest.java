package io.darestream.serving.scoring;

import java.util.List;

/**
 * A validated scoring request: the user whose history is searched, the candidates in the order the
 * scores are returned, and whether to return what the search stage picked for each candidate.
 */
public record ScoreRequest(long userId, List<Candidate> candidates, boolean explain) {
  public ScoreRequest {
    if (userId < 0) {
      throw new IllegalArgumentException("userId must be >= 0, got " + userId);
    }
    candidates = List.copyOf(candidates);
  }
}
