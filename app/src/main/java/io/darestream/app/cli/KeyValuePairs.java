package io.darestream.app.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A repeatable {@code KEY=VALUE} flag ({@code --set}) as a map, each key once: a key given twice is
 * refused rather than the last value winning without a word.
 */
final class KeyValuePairs {
  private KeyValuePairs() {}

  /**
   * The pairs of {@code flag}, in their order.
   *
   * @throws CliException for a pair without a key or an '=', or a key given twice
   */
  static Map<String, String> parse(String flag, List<String> pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new CliException(flag + " expects KEY=VALUE, got " + pair);
      }
      String key = pair.substring(0, eq).trim();
      String value = pair.substring(eq + 1);
      String earlier = map.putIfAbsent(key, value);
      if (earlier != null) {
        throw new CliException(
            flag
                + " "
                + key
                + " is given twice ("
                + earlier
                + ", then "
                + value
                + "): give it once");
      }
    }
    return map;
  }
}
