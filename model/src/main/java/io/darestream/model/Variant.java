package io.darestream.model;

/**
 * Which embedding layout the model uses; all variants share the rest of the code so that they can
 * be compared side by side on the same stream (DARE paper, arXiv 2410.02604, Sections 3 and 4).
 */
public enum Variant {
  /** Two independent table sets: attention {@code E^Att} for search, representation for values. */
  DARE,
  /** One shared table set for attention and representation (TWIN); requires equal dims. */
  TWIN,
  /**
   * One shared table set plus linear projections for query, key, value and target (the "TWIN with
   * projection" baseline of DARE Section 3.2).
   */
  TWIN_PROJ
}
