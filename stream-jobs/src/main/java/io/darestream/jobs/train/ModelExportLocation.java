package io.darestream.jobs.train;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where the trainer exports its model-store checkpoints: {@code <checkpoint dir>/dare-model/<model
 * id>}, next to Flink's own checkpoints so that they share durability and retention.
 *
 * <p>The export is written with local file I/O, so the checkpoint directory must be a path every
 * TaskManager mounts (a local directory in the embedded mode, a shared volume or NFS on a cluster).
 * Object stores (s3://, gs://) are refused with a clear message rather than failing at the first
 * checkpoint.
 */
final class ModelExportLocation {
  private ModelExportLocation() {}

  static Path resolve(String checkpointDir, String modelId) {
    Path base;
    URI uri = URI.create(checkpointDir.replace(" ", "%20"));
    if (uri.getScheme() == null) {
      base = Path.of(checkpointDir);
    } else if (uri.getScheme().equals("file")) {
      base = Path.of(uri);
    } else {
      throw new IllegalArgumentException(
          "the trainer exports its model store with file I/O and needs a mounted path for"
              + " dare.checkpoint.dir, got "
              + checkpointDir
              + " (use file:///... on a shared volume)");
    }
    return base.resolve("dare-model").resolve(modelId);
  }
}
