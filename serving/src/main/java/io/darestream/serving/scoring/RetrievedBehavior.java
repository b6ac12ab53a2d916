package io.darestream.serving.scoring;

/**
 * One behaviour the search stage kept for a candidate (DARE Section 3, top-K by attention score),
 * with its relative position in the history (newest = 1) and its softmax weight in the aggregation.
 */
public record RetrievedBehavior(long itemId, long categoryId, int position, float weight) {}
