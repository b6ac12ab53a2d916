package io.darestream.jobs.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;

/**
 * Every {@code dare.*} key the job reads: the {@code ConfigOption} constants of its options
 * classes. A {@code dare.*} key outside them is a typo or a stale name, and a setting that is
 * silently ignored is worse than none: {@link #rejectUnknown} refuses it, naming the nearest key.
 * Keys outside {@code dare.} (Flink's own) pass through.
 */
public final class KnownKeys {
  /** The options classes, in the order the configuration reference lists them. */
  public static final List<Class<?>> OPTION_CLASSES =
      List.of(
          KafkaOptions.class,
          IngestOptions.class,
          SequenceOptions.class,
          LabelOptions.class,
          ModelOptions.class,
          TrainerOptions.class,
          CheckpointOptions.class,
          DareJobOptions.class);

  private static final String PREFIX = "dare.";
  private static final Set<String> KEYS = collectKeys();

  private KnownKeys() {}

  /** The public static {@code ConfigOption} constants of {@code optionsClass}, in field order. */
  public static List<ConfigOption<?>> options(Class<?> optionsClass) {
    return Arrays.stream(optionsClass.getFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()))
        .filter(f -> ConfigOption.class.isAssignableFrom(f.getType()))
        .<ConfigOption<?>>map(KnownKeys::read)
        .toList();
  }

  /** Every key (and fallback key) of every option. */
  public static Set<String> keys() {
    return KEYS;
  }

  /**
   * Refuses {@code keys} holding a {@code dare.*} key that no option has.
   *
   * @throws IllegalArgumentException naming each unknown key and the known key nearest to it
   */
  public static void rejectUnknown(Set<String> keys) {
    List<String> unknown =
        keys.stream().filter(k -> k.startsWith(PREFIX) && !KEYS.contains(k)).sorted().toList();
    if (unknown.isEmpty()) {
      return;
    }
    throw new IllegalArgumentException(
        unknown.stream()
                .map(k -> "unknown setting " + k + " (did you mean " + nearest(k) + "?)")
                .collect(Collectors.joining("; "))
            + ": every dare.* key is listed in the README's configuration reference");
  }

  /** The known key with the smallest edit distance to {@code key}. */
  static String nearest(String key) {
    return KEYS.stream()
        .min(Comparator.comparingInt((String k) -> distance(key, k)).thenComparing(k -> k))
        .orElseThrow();
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
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

  private static Set<String> collectKeys() {
    Set<String> keys = new TreeSet<>();
    for (Class<?> c : OPTION_CLASSES) {
      for (ConfigOption<?> o : options(c)) {
        keys.add(o.key());
        for (FallbackKey f : o.fallbackKeys()) {
          keys.add(f.getKey());
        }
      }
    }
    return Set.copyOf(keys);
  }

  private static ConfigOption<?> read(Field f) {
    try {
      return (ConfigOption<?>) f.get(null);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
