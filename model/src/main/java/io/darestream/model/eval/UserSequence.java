package io.darestream.model.eval;

/**
 * One user's behaviours in time order, <b>oldest first</b> (the protocol reads them from the end).
 *
 * @param userId user id
 * @param items item per behaviour
 * @param categories category per behaviour
 * @param timesMs event time per behaviour
 */
public record UserSequence(long userId, long[] items, long[] categories, long[] timesMs) {
  public int length() {
    return items.length;
  }
}
