package io.darestream.serving.scoring;

import java.util.AbstractList;
import java.util.List;

/**
 * A validated scoring request: the user whose history is searched, the candidates in the order the
 * scores are returned, and whether to return what the search stage picked for each candidate.
 *
 * <p>Candidates are held as two parallel primitive arrays (item ids, category ids), the form the
 * model reads, so that the request path neither boxes a candidate nor copies the ids again. The
 * arrays are owned by the request: callers read them and never change them.
 */
public final class ScoreRequest {
  private final long userId;
  private final long[] itemIds;
  private final long[] categoryIds;
  private final boolean explain;

  /**
   * Takes ownership of {@code itemIds} and {@code categoryIds} (not copied).
   *
   * @throws IllegalArgumentException on a negative id or arrays of different lengths
   */
  public ScoreRequest(long userId, long[] itemIds, long[] categoryIds, boolean explain) {
    if (userId < 0) {
      throw new IllegalArgumentException("userId must be >= 0, got " + userId);
    }
    if (itemIds.length != categoryIds.length) {
      throw new IllegalArgumentException(
          itemIds.length + " item ids but " + categoryIds.length + " category ids");
    }
    for (int i = 0; i < itemIds.length; i++) {
      if (itemIds[i] < 0 || categoryIds[i] < 0) {
        throw new IllegalArgumentException(
            "ids must be >= 0, got item " + itemIds[i] + ", category " + categoryIds[i]);
      }
    }
    this.userId = userId;
    this.itemIds = itemIds;
    this.categoryIds = categoryIds;
    this.explain = explain;
  }

  /** A request from a list of candidates (copied into arrays). */
  public ScoreRequest(long userId, List<Candidate> candidates, boolean explain) {
    this(userId, itemsOf(candidates), categoriesOf(candidates), explain);
  }

  public long userId() {
    return userId;
  }

  public boolean explain() {
    return explain;
  }

  /** Number of candidates. */
  public int size() {
    return itemIds.length;
  }

  /** Item ids of the candidates, in request order; read only. */
  public long[] itemIds() {
    return itemIds;
  }

  /** Category ids of the candidates, in request order; read only. */
  public long[] categoryIds() {
    return categoryIds;
  }

  /** The candidates as a read-only list view (a {@link Candidate} per access). */
  public List<Candidate> candidates() {
    return new AbstractList<>() {
      @Override
      public Candidate get(int i) {
        return new Candidate(itemIds[i], categoryIds[i]);
      }

      @Override
      public int size() {
        return itemIds.length;
      }
    };
  }

  @Override
  public String toString() {
    return "ScoreRequest[userId="
        + userId
        + ", candidates="
        + size()
        + ", explain="
        + explain
        + "]";
  }

  private static long[] itemsOf(List<Candidate> candidates) {
    long[] out = new long[candidates.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = candidates.get(i).itemId();
    }
    return out;
  }

  private static long[] categoriesOf(List<Candidate> candidates) {
    long[] out = new long[candidates.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = candidates.get(i).categoryId();
    }
    return out;
  }
}
