package io.darestream.model;

/**
 * One history behaviour picked by the search stage for a candidate (DARE Section 4: top-K by
 * attention score), with its softmax weight over the selected K.
 *
 * @param position relative position (newest = 1)
 * @param item item id
 * @param category category id
 * @param score the search's score: {@code <q, k> / sqrt(d)} (the position field's share included),
 *     plus the exact-match terms where the model has them
 * @param weight softmax weight among the selected behaviours
 */
public record RetrievedBehaviour(
    int position, long item, long category, float score, float weight) {}
