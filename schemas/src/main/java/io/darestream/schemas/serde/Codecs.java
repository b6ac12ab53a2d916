package io.darestream.schemas.serde;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.SnapshotAnnouncement;

/** Shared codec instances for the records on the project's topics (codecs are thread-safe). */
public final class Codecs {
  /**
   * Events: a real one is well under 1 KiB (event ids are at most 256 characters). 64 KiB leaves
   * room for long request ids and keeps the copy a dead letter carries small; no collections.
   */
  public static final DecodeLimits EVENT_LIMITS = new DecodeLimits(64 << 10, 64 << 10, 1_024, 8);

  /**
   * Deltas: the trainer's producer sends records of up to 4 MiB with at most 2,048 rows; a row's
   * bytes are one dense block at most. 16 MiB and 65,536 rows leave room without letting a forged
   * record make millions of row objects.
   */
  public static final DecodeLimits DELTA_LIMITS = new DecodeLimits(16 << 20, 16 << 20, 65_536, 8);

  public static final AvroCodec<BehaviorEvent> BEHAVIOR_EVENT =
      AvroCodec.of(BehaviorEvent.class, EVENT_LIMITS);
  public static final AvroCodec<ModelDelta> MODEL_DELTA =
      AvroCodec.of(ModelDelta.class, DELTA_LIMITS);

  /** Announcements and dead letters: {@link DecodeLimits#DEFAULT} (1 MiB). */
  public static final AvroCodec<SnapshotAnnouncement> SNAPSHOT_ANNOUNCEMENT =
      AvroCodec.of(SnapshotAnnouncement.class);

  /** Dead letters carry at most {@link #EVENT_LIMITS}' record size of raw bytes: 1 MiB is ample. */
  public static final AvroCodec<DeadLetter> DEAD_LETTER = AvroCodec.of(DeadLetter.class);

  private Codecs() {}
}
