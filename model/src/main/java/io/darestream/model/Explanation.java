package io.darestream.model;

import java.util.List;

/**
 * The score of one candidate and the behaviours its search retrieved, best first.
 *
 * @param item candidate item id
 * @param category candidate category id
 * @param score click probability
 * @param retrieved the top-K behaviours with their softmax weights
 */
public record Explanation(
    long item, long category, float score, List<RetrievedBehaviour> retrieved) {
  public Explanation {
    retrieved = List.copyOf(retrieved);
  }
}
