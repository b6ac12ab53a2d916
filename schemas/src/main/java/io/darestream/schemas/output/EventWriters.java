package io.darestream.schemas.output;

import io.darestream.schemas.input.EventFormat;
import java.io.IOException;
import java.nio.file.Path;

/** Opens a writer by {@link EventFormat}, for CLIs that take the format as a name. */
public final class EventWriters {
  private EventWriters() {}

  /** A writer of {@code format} to {@code path}; MovieLens (ratings plus movies) is read-only. */
  public static EventWriter open(EventFormat format, Path path) throws IOException {
    return switch (format) {
      case TAOBAO -> TaobaoCsvWriter.open(path);
      case EVENTS -> JsonLinesWriter.open(path);
      case MOVIELENS ->
          throw new UnsupportedOperationException(
              "Cannot write format movielens: write taobao or events instead");
    };
  }
}
