package io.darestream.model;

/**
 * One history behaviour picked by the search stage for a candidate (DARE Section 4: top-K by
 * attention score), with its softmax weight over the selected K.
 *
 * @param position relative position (newest = 1)
 * @param item item id
 * @param category category id
 * @param score scaled attention score {@code <q, k> / sqrt(d)}
 * @param weight softmax weight among the selected behaviours
 */
public record RetrievedBehaviour(
    int position, long item, long category, float score, float weight) {}
