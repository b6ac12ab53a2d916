package io.darestream.serving.scoring;

/**
 * Scores a validated request against the model being served and the user's stored history.
 * Implementations are thread-safe; the HTTP layer depends only on this, so it can be tested without
 * a model.
 */
public interface Scorer {
  /**
   * Scores {@code request}.
   *
   * @throws ModelNotReadyException if no model has been loaded yet
   */
  ScoreResult score(ScoreRequest request);
}
