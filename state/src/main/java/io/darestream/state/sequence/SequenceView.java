package io.darestream.state.sequence;

import io.darestream.schemas.avro.BehaviorType;

/**
 * A read-out of part of a sequence as parallel arrays, NEWEST FIRST (index 0 is the most recent
 * behaviour, i.e. relative position 1 in the DARE token layout). The arrays are fresh copies owned
 * by the caller; {@code types} holds {@link BehaviorCodes} codes.
 */
public record SequenceView(long[] items, long[] categories, long[] timesMs, byte[] types) {
  public static final SequenceView EMPTY =
      new SequenceView(new long[0], new long[0], new long[0], new byte[0]);

  public SequenceView {
    int n = items.length;
    if (categories.length != n || timesMs.length != n || types.length != n) {
      throw new IllegalArgumentException("parallel arrays of different lengths");
    }
  }

  public int length() {
    return items.length;
  }

  public BehaviorType type(int i) {
    return BehaviorCodes.type(types[i]);
  }
}
