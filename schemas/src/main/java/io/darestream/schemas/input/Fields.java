package io.darestream.schemas.input;

/** Allocation-free field parsing for the CSV formats (the hot path of a multi-GB replay). */
final class Fields {
  private Fields() {}

  /** The non-negative decimal integer in {@code s[from, to)}, ignoring surrounding spaces. */
  static long parseId(String s, int from, int to, String field) throws InvalidLineException {
    while (from < to && s.charAt(from) == ' ') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == ' ') {
      to--;
    }
    if (from == to) {
      throw new InvalidLineException(field + " is empty");
    }
    if (to - from > 18) { // more digits could overflow a long
      throw new InvalidLineException(
          field + " '" + s.substring(from, to) + "' is not an integer in range");
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new InvalidLineException(
            field + " '" + s.substring(from, to) + "' is not a non-negative integer");
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /** Whether {@code s[from, to)} equals {@code word}. */
  static boolean is(String s, int from, int to, String word) {
    return to - from == word.length() && s.regionMatches(from, word, 0, word.length());
  }

  /** Epoch seconds to milliseconds, rejecting values that overflow. */
  static long secondsToMillis(long seconds, String field) throws InvalidLineException {
    if (seconds > Long.MAX_VALUE / 1000) {
      throw new InvalidLineException(field + " " + seconds + " is too large for epoch seconds");
    }
    return seconds * 1000;
  }

  /** Number of comma-separated fields in {@code line}, for error messages. */
  static int countFields(String line) {
    int n = 1;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == ',') {
        n++;
      }
    }
    return n;
  }
}
