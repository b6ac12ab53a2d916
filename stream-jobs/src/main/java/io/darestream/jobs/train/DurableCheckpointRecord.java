package io.darestream.jobs.train;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The trainer's operator-state entry: a {@link TrainerCheckpointRecord} and the background work
 * that makes it true (writing and exporting the model-store checkpoint it names).
 *
 * <p>Flink writes operator list state in the asynchronous part of a checkpoint and acknowledges the
 * checkpoint only after that write. {@link DurableCheckpointRecordSerializer} waits for {@link
 * #durable} before it writes the record, so a Flink checkpoint completes only once the model
 * checkpoint it refers to is exported, while the trainer trains on in the meantime.
 */
public record DurableCheckpointRecord(TrainerCheckpointRecord record, Future<?> durable) {
  public DurableCheckpointRecord {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(durable, "durable");
  }

  /** A record read back from a checkpoint: durable by definition. */
  public static DurableCheckpointRecord restored(TrainerCheckpointRecord record) {
    return new DurableCheckpointRecord(record, CompletableFuture.completedFuture(null));
  }

  /**
   * Blocks until the model checkpoint is exported.
   *
   * @throws IOException if writing or exporting it failed, or the wait was interrupted (Flink
   *     cancels the asynchronous part of an aborted checkpoint by interrupting it)
   */
  public TrainerCheckpointRecord awaitDurable() throws IOException {
    try {
      durable.get();
      return record;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException io =
          new InterruptedIOException(
              "interrupted waiting for model checkpoint " + record.checkpointId());
      io.initCause(e);
      throw io;
    } catch (ExecutionException e) {
      throw new IOException(
          "model checkpoint " + record.checkpointId() + " failed: " + e.getCause(), e.getCause());
    }
  }
}
