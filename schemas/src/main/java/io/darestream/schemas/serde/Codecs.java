package io.darestream.schemas.serde;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.SnapshotAnnouncement;

/** Shared codec instances for the records on the project's topics (codecs are thread-safe). */
public final class Codecs {
  public static final AvroCodec<BehaviorEvent> BEHAVIOR_EVENT = AvroCodec.of(BehaviorEvent.class);
  public static final AvroCodec<ModelDelta> MODEL_DELTA = AvroCodec.of(ModelDelta.class);
  public static final AvroCodec<SnapshotAnnouncement> SNAPSHOT_ANNOUNCEMENT =
      AvroCodec.of(SnapshotAnnouncement.class);
  public static final AvroCodec<DeadLetter> DEAD_LETTER = AvroCodec.of(DeadLetter.class);

  private Codecs() {}
}
