package io.darestream.serving.scoring;

/**
 * One behaviour the search stage kept for a candidate (DARE Section 3, top-K by attention score),
 * with its relative position in the history (newest = 1), its scaled attention score {@code <q, k>
 * / sqrt(d)} (what the search ranked by) and its softmax weight in the aggregation (what it
 * contributed): two picks of equal weight may differ in score only by a constant, so the score
 * shows how sure the search was.
 */
public record RetrievedBehavior(
    long itemId, long categoryId, int position, float attentionScore, float weight) {}
