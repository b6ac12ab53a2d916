package io.darestream.serving.live;

import io.darestream.schemas.avro.ModelDelta;

/**
 * Where the rows of an accepted delta go. Implemented over the model's tables with the model
 * module's {@code ModelDeltas.apply} (the trainer's own format); the caller holds the model's write
 * lock, so implementations need not be thread-safe.
 */
public interface RowWriter {
  /**
   * Writes the rows of {@code delta}, all or nothing.
   *
   * @throws IllegalArgumentException if the table is unknown or a row does not fit it (nothing is
   *     written then)
   */
  void apply(ModelDelta delta);
}
