package io.darestream.state.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCrashTest {
  @TempDir Path tmp;

  @Test
  void sigkillInTheMiddleOfAPublishLeavesThePreviousSnapshotValid() throws Exception {
    Path root = tmp.resolve("snapshots");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                SnapshotPublishChild.class.getName(),
                root.toString(),
                tmp.resolve("work").toString())
            .redirectErrorStream(true)
            .start();
    List<String> lines = new ArrayList<>();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      // Blocks until the child reports it is half-way through publishing snapshot 2.
      String midway =
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      for (String line; (line = out.readLine()) != null; ) {
                        lines.add(line);
                        if (line.startsWith("MIDWAY")) {
                          return line;
                        }
                      }
                      return null;
                    } catch (java.io.IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .get(120, TimeUnit.SECONDS);
      assertThat(midway).as("child output %s", lines).isNotNull();
      assertThat(lines).contains("PUBLISHED 1");
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    SnapshotReader.NewestSnapshot newest = SnapshotReader.findNewestValid(root);
    assertThat(newest.snapshot()).isPresent();
    assertThat(newest.snapshot().get().manifest().checkpointId()).isEqualTo(1);
    assertThat(newest.rejected())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(SnapshotRejectedException.Reason.PARTIAL);
              assertThat(r.directory().getFileName().toString()).startsWith(".tmp-");
            });
    try (var store = newest.snapshot().get().openStore()) {
      assertThat(store.estimateRows("att.item")).isPositive();
    }

    // the next writer on this root clears the debris and publishes normally
    new SnapshotWriter(root, 3);
    assertThat(SnapshotReader.findNewestValid(root).rejected()).isEmpty();
  }
}
