package io.darestream.serving.scoring;

/**
 * A user's behaviours as the model reads them, NEWEST FIRST (index 0 has relative position 1). An
 * unknown user has an empty history and {@code known} false, which the response reports.
 */
public record UserHistory(long[] items, long[] categories, boolean known) {
  public static final UserHistory UNKNOWN = new UserHistory(new long[0], new long[0], false);

  public UserHistory {
    if (items.length != categories.length) {
      throw new IllegalArgumentException(
          items.length + " items but " + categories.length + " categories");
    }
  }

  public int length() {
    return items.length;
  }
}
