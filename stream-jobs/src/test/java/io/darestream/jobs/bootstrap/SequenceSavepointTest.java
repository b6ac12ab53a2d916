package io.darestream.jobs.bootstrap;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.config.SequenceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the savepoint writer refuses before it starts a Flink job. */
class SequenceSavepointTest {
  @TempDir Path tmp;

  private final SequenceOptions options = SequenceOptions.from(new Configuration());

  @Test
  void refusesAHistoryWithoutUserState() {
    // Flink's fromData fails on an empty collection with a message about element types.
    assertThatThrownBy(
            () -> SequenceSavepoint.write(tmp.resolve("sp"), options, List.of(), new long[0], 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no user state to write");
  }

  @Test
  void refusesAnExistingDirectory() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("sp"));
    UserState user = new UserState(1, null, new TreeMap<>(), new long[0]);

    assertThatThrownBy(() -> SequenceSavepoint.write(dir, options, List.of(user), new long[0], 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exists already");
  }
}
