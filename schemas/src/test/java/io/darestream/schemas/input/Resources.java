package io.darestream.schemas.input;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of the test resources (real rows copied from the shared data, plus malformed lines). */
final class Resources {
  private Resources() {}

  static Path path(String name) {
    try {
      return Path.of(Resources.class.getResource("/input/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("Missing test resource /input/" + name, e);
    }
  }
}
