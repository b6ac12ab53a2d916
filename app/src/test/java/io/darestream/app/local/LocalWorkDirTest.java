package io.darestream.app.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.app.local.LocalWorkDir.EarlierRun;
import io.darestream.app.local.LocalWorkDir.WorkDirException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The work dir of local runs: one run at a time, what an earlier run left, and --fresh. */
class LocalWorkDirTest {
  @TempDir Path dir;

  @Test
  void aSecondRunOnTheSameWorkDirIsRefusedUntilTheFirstEnds() {
    try (LocalWorkDir first = LocalWorkDir.lock(dir)) {
      assertThatThrownBy(() -> LocalWorkDir.lock(dir))
          .isInstanceOf(WorkDirException.class)
          .hasMessageContaining("is used by another local run")
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
    }
    LocalWorkDir.lock(dir).close();
  }

  @Test
  void anUnfinishedRunIsFoundWithItsNewestCompletedCheckpoint() throws Exception {
    try (LocalWorkDir w = LocalWorkDir.lock(dir)) {
      assertThat(w.earlierRun()).isEmpty();
      w.markStarted("generated 10 users", Optional.empty());
      Files.createDirectories(w.kafka());
      Files.writeString(w.kafka().resolve("meta.properties"), "node.id=1");
      metadata(w.checkpoints().resolve("job-a/chk-3"));
      metadata(w.checkpoints().resolve("job-b/chk-5"));
      Files.createDirectories(w.checkpoints().resolve("job-b/chk-6")); // in flight when killed
      Files.createDirectories(w.checkpoints().resolve("dare-model/dare/7"));

      EarlierRun earlier = w.earlierRun().orElseThrow();

      assertThat(earlier.finished()).isFalse();
      assertThat(earlier.hasKafka()).isTrue();
      assertThat(earlier.dataset()).isEqualTo("generated 10 users");
      assertThat(earlier.checkpoint())
          .hasValueSatisfying(
              c -> {
                assertThat(c.id()).isEqualTo(5);
                assertThat(c.path()).isEqualTo(w.checkpoints().resolve("job-b/chk-5"));
              });
    }
  }

  @Test
  void aFinishedRunIsMarkedSoAndResumingKeepsTheFirstStart() {
    try (LocalWorkDir w = LocalWorkDir.lock(dir)) {
      w.markStarted("generated", Optional.empty());
      EarlierRun first = w.earlierRun().orElseThrow();
      w.markStarted("generated", Optional.of(first));
      assertThat(w.earlierRun().orElseThrow().started()).isEqualTo(first.started());

      w.markFinished();

      assertThat(w.earlierRun().orElseThrow().finished()).isTrue();
    }
  }

  @Test
  void freshDeletesWhatRunsLeaveAndNothingElse() throws Exception {
    try (LocalWorkDir w = LocalWorkDir.lock(dir)) {
      w.markStarted("generated", Optional.empty());
      metadata(w.checkpoints().resolve("job-a/chk-1"));
      Files.createDirectories(dir.resolve("snapshots/dare"));
      Files.createDirectories(dir.resolve("serving"));
      Files.writeString(dir.resolve("notes.txt"), "the user's own file");

      w.wipe();

      assertThat(w.earlierRun()).isEmpty();
      assertThat(dir.resolve("checkpoints")).doesNotExist();
      assertThat(dir.resolve("snapshots")).doesNotExist();
      assertThat(dir.resolve("serving")).doesNotExist();
      assertThat(dir.resolve("notes.txt")).hasContent("the user's own file");
    }
  }

  private static void metadata(Path checkpoint) throws Exception {
    Files.createDirectories(checkpoint);
    Files.write(checkpoint.resolve("_metadata"), new byte[] {1});
  }
}
