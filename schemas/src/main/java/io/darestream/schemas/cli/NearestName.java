package io.darestream.schemas.cli;

import java.util.Collection;
import java.util.Comparator;

/**
 * The known name nearest to a mistyped one (by edit distance, ties alphabetically), for errors such
 * as "unknown setting dare.model.max-histroy (did you mean dare.model.max-history?)".
 */
public final class NearestName {
  private NearestName() {}

  /**
   * The name of {@code known} nearest to {@code name}.
   *
   * @throws IllegalArgumentException if {@code known} is empty
   */
  public static String of(String name, Collection<String> known) {
    return known.stream()
        .min(Comparator.comparingInt((String k) -> distance(name, k)).thenComparing(k -> k))
        .orElseThrow(() -> new IllegalArgumentException("no known names"));
  }

  /** Levenshtein distance: the fewest insertions, deletions and substitutions from a to b. */
  public static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }
}
