package io.darestream.app.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A completed Flink checkpoint left in a checkpoint directory ({@code <dir>/<job id>/chk-<n>} with
 * its {@code _metadata}, which Flink writes once the checkpoint is complete), from which a job can
 * be started again ({@code execution.state-recovery.path}).
 *
 * @param path the {@code chk-<n>} directory
 * @param id the checkpoint id
 * @param completed when its metadata was written
 */
public record RetainedCheckpoint(Path path, long id, Instant completed) {
  private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

  /**
   * The newest completed checkpoint under {@code checkpointDir}, of any job: a resumed job
   * continues the checkpoint ids of the one it restored, so the highest id is the newest (the
   * metadata's time breaks ties).
   */
  static Optional<RetainedCheckpoint> latest(Path checkpointDir) {
    if (!Files.isDirectory(checkpointDir)) {
      return Optional.empty();
    }
    try (Stream<Path> jobs = Files.list(checkpointDir)) {
      return jobs.filter(Files::isDirectory)
          .flatMap(RetainedCheckpoint::inJob)
          .max(
              Comparator.comparingLong(RetainedCheckpoint::id)
                  .thenComparing(RetainedCheckpoint::completed));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + checkpointDir, e);
    }
  }

  private static Stream<RetainedCheckpoint> inJob(Path jobDir) {
    try (Stream<Path> children = Files.list(jobDir)) {
      return children
          .map(
              chk -> {
                Matcher m = CHECKPOINT.matcher(chk.getFileName().toString());
                Path metadata = chk.resolve("_metadata");
                if (!m.matches() || !Files.isRegularFile(metadata)) {
                  return null;
                }
                try {
                  return new RetainedCheckpoint(
                      chk,
                      Long.parseLong(m.group(1)),
                      Files.getLastModifiedTime(metadata).toInstant());
                } catch (IOException e) {
                  return null; // deleted while listing: subsumed by a newer one
                }
              })
          .filter(c -> c != null)
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + jobDir, e);
    }
  }
}
