package io.darestream.state.snapshot;

import io.darestream.state.model.ModelStore;
import java.nio.file.Path;

/**
 * Child JVM for {@link SnapshotCrashTest}: publishes snapshot 1, then starts snapshot 2 and stops
 * half-way (blocked on stdin) so the parent can SIGKILL it in the middle of the publish.
 */
public final class SnapshotPublishChild {
  private SnapshotPublishChild() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Path work = Path.of(args[1]);
    SnapshotWriter writer = new SnapshotWriter(root, 3);
    try (ModelStore store = ModelStore.open(work.resolve("db"), SnapshotFixtures.LAYOUT)) {
      SnapshotFixtures.writeRows(store, 1, 5_000);
      writer.publish(SnapshotFixtures.meta(1, 1), SnapshotFixtures.checkpoint(store, work, 1));
      System.out.println("PUBLISHED 1");
      SnapshotFixtures.writeRows(store, 2, 5_000);
      Path cp2 = SnapshotFixtures.checkpoint(store, work, 2);
      int[] files = {0};
      writer.publish(
          SnapshotFixtures.meta(1, 2),
          cp2,
          f -> {
            if (++files[0] == 2) {
              System.out.println("MIDWAY " + f);
              System.out.flush();
              try {
                System.in.read(); // the parent never writes: wait here to be killed
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
          });
      System.out.println("NOT KILLED");
    }
  }
}
