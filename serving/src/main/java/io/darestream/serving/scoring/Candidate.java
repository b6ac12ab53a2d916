package io.darestream.serving.scoring;

/** One item to score for a user: its id and its category id (both >= 0). */
public record Candidate(long itemId, long categoryId) {
  public Candidate {
    if (itemId < 0 || categoryId < 0) {
      throw new IllegalArgumentException(
          "ids must be >= 0, got item " + itemId + ", category " + categoryId);
    }
  }
}
