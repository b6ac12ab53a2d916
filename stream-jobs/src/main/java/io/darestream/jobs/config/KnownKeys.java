package io.darestream.jobs.config;

import io.darestream.schemas.cli.NearestName;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
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
                .map(
                    k ->
                        "unknown setting " + k + " (did you mean " + NearestName.of(k, KEYS) + "?)")
                .collect(Collectors.joining("; "))
            + ": every dare.* key is listed in the README's configuration reference");
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
