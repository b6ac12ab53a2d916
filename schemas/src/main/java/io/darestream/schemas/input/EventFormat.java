package io.darestream.schemas.input;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The input formats by the names a CLI uses: {@code taobao}, {@code movielens}, {@code events}. */
public enum EventFormat {
  /** Taobao UserBehavior CSV, see {@link TaobaoCsv}. */
  TAOBAO("taobao"),
  /** MovieLens ratings.csv with movies.csv beside it, see {@link MovieLensRatings}. */
  MOVIELENS("movielens"),
  /** JSON lines of BehaviorEvent, see {@link EventJsonLines}. */
  EVENTS("events");

  private final String cliName;

  EventFormat(String cliName) {
    this.cliName = cliName;
  }

  /** The name on the command line. */
  public String cliName() {
    return cliName;
  }

  /** The format called {@code name} (case-insensitive). */
  public static EventFormat fromName(String name) {
    for (EventFormat f : values()) {
      if (f.cliName.equals(name == null ? null : name.trim().toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "Unknown event format '" + name + "': expected one of " + names());
  }

  /** All format names, comma-separated, for help texts. */
  public static String names() {
    return Arrays.stream(values()).map(EventFormat::cliName).collect(Collectors.joining(", "));
  }

  /**
   * Opens {@code path} for streaming. For {@link #MOVIELENS}, {@code path} is the release directory
   * or its ratings.csv, with movies.csv beside it.
   */
  public EventReader open(Path path, ParseOptions options) throws IOException {
    return switch (this) {
      case TAOBAO -> TaobaoCsv.open(path, options);
      case MOVIELENS -> MovieLensRatings.open(path, options);
      case EVENTS -> EventJsonLines.open(path, options);
    };
  }
}
