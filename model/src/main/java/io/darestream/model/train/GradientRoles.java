package io.darestream.model.train;

/**
 * Which of the two roles of the embedding rows a backward pass credits (diagnostics only; training
 * always uses {@link #BOTH}): the attention role (search keys and queries, through the softmax
 * weights) or the representation role (the aggregated values and the target token). In TWIN both
 * roles write the one shared table, so computing them apart is how the paper's "gradient
 * domination" (DARE Section 3.1) is measured.
 */
public enum GradientRoles {
  BOTH(true, true),
  ATTENTION(true, false),
  REPRESENTATION(false, true);

  final boolean attention;
  final boolean representation;

  GradientRoles(boolean attention, boolean representation) {
    this.attention = attention;
    this.representation = representation;
  }
}
