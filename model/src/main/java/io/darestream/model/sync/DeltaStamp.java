package io.darestream.model.sync;

/**
 * What every {@code ModelDelta} record of one publish carries besides its rows.
 *
 * @param modelId the model the rows belong to
 * @param epoch the trainer's epoch (incremented by every restore)
 * @param version the model version when the rows were read
 * @param newestEventTimeMs newest event time that contributed to the rows
 * @param minIngestTimeMs oldest Kafka ingest time among the events first covered by this publish
 *     (-1 if none)
 * @param maxIngestTimeMs newest Kafka ingest time among those events (-1 if none)
 * @param publishTimeMs wall-clock time of the publish
 * @param writer which writer of the epoch publishes (0: the single trainer or the dense averager; 1
 *     + subtask index: a row owner); consumers order versions per (table, writer)
 * @param acknowledgedWindows a row owner's stamp: entry {@code i} is the newest gradient window of
 *     trainer subtask {@code i} that the rows include (0: none yet); empty for other writers
 */
public record DeltaStamp(
    String modelId,
    long epoch,
    long version,
    long newestEventTimeMs,
    long minIngestTimeMs,
    long maxIngestTimeMs,
    long publishTimeMs,
    int writer,
    long[] acknowledgedWindows) {

  private static final long[] NONE = new long[0];

  /** A stamp without acknowledged windows: the single trainer's and the dense averager's. */
  public DeltaStamp(
      String modelId,
      long epoch,
      long version,
      long newestEventTimeMs,
      long minIngestTimeMs,
      long maxIngestTimeMs,
      long publishTimeMs,
      int writer) {
    this(
        modelId,
        epoch,
        version,
        newestEventTimeMs,
        minIngestTimeMs,
        maxIngestTimeMs,
        publishTimeMs,
        writer,
        NONE);
  }

  /** A stamp of writer 0, the only writer of a single trainer's epoch. */
  public DeltaStamp(
      String modelId,
      long epoch,
      long version,
      long newestEventTimeMs,
      long minIngestTimeMs,
      long maxIngestTimeMs,
      long publishTimeMs) {
    this(
        modelId,
        epoch,
        version,
        newestEventTimeMs,
        minIngestTimeMs,
        maxIngestTimeMs,
        publishTimeMs,
        0);
  }
}
