package io.darestream.jobs.bootstrap;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of what {@code pretrain --out DIR} writes: {@code DIR/savepoint} (the sequence stage's
 * state, a Flink savepoint) and {@code DIR/snapshots} (the pretrained model, a snapshot root in the
 * format serving and the trainer read).
 */
public record PretrainedDir(Path root) {
  /** The savepoint for {@code flink run -s} / {@code execution.state-recovery.path}. */
  public Path savepoint() {
    return root.resolve("savepoint");
  }

  /** The snapshot root for {@code dare.trainer.initial-snapshot} and serving. */
  public Path snapshots() {
    return root.resolve("snapshots");
  }

  /**
   * An existing pretrained directory.
   *
   * @throws IllegalArgumentException if {@code root} lacks the savepoint or the snapshots
   */
  public static PretrainedDir of(Path root) {
    PretrainedDir dir = new PretrainedDir(root);
    if (!Files.isDirectory(dir.savepoint()) || !Files.isDirectory(dir.snapshots())) {
      throw new IllegalArgumentException(
          root + " is not a directory `pretrain --out` wrote (it needs savepoint/ and snapshots/)");
    }
    return dir;
  }
}
