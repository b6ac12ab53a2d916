package io.darestream.jobs.ingest;

import io.darestream.jobs.serde.SerializerTypeInfo;
import io.darestream.jobs.serde.ValueSerializer;
import io.darestream.schemas.avro.BehaviorEvent;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link IngestedEvent}: ingest time, then the event ({@link BehaviorEventSerializer}
 * in the job; any event serializer, e.g. Avro, can be nested).
 */
public final class IngestedEventSerializer extends ValueSerializer<IngestedEvent> {
  private static final long serialVersionUID = 1L;

  public static final TypeInformation<IngestedEvent> TYPE_INFO =
      new SerializerTypeInfo<>(
          IngestedEvent.class, new IngestedEventSerializer(BehaviorEventSerializer.INSTANCE));

  private final TypeSerializer<BehaviorEvent> eventSerializer;

  IngestedEventSerializer(TypeSerializer<BehaviorEvent> eventSerializer) {
    super(false);
    this.eventSerializer = eventSerializer;
  }

  @Override
  public IngestedEvent copy(IngestedEvent from) {
    return new IngestedEvent(eventSerializer.copy(from.event()), from.ingestTimeMs());
  }

  @Override
  public void serialize(IngestedEvent record, DataOutputView target) throws IOException {
    target.writeLong(record.ingestTimeMs());
    eventSerializer.serialize(record.event(), target);
  }

  @Override
  public IngestedEvent deserialize(DataInputView source) throws IOException {
    long ingestTime = source.readLong();
    return new IngestedEvent(eventSerializer.deserialize(source), ingestTime);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    target.writeLong(source.readLong());
    eventSerializer.copy(source, target);
  }

  @Override
  public TypeSerializer<IngestedEvent> duplicate() {
    TypeSerializer<BehaviorEvent> duplicated = eventSerializer.duplicate();
    return duplicated == eventSerializer ? this : new IngestedEventSerializer(duplicated);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IngestedEventSerializer other
        && eventSerializer.equals(other.eventSerializer);
  }

  @Override
  public int hashCode() {
    return eventSerializer.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<IngestedEvent> snapshotConfiguration() {
    return new Snapshot(this);
  }

  /** Snapshot that delegates evolution of the event part to the Avro serializer's snapshot. */
  public static final class Snapshot
      extends CompositeTypeSerializerSnapshot<IngestedEvent, IngestedEventSerializer> {
    private static final int VERSION = 1;

    /** For Flink's reflective instantiation on restore. */
    public Snapshot() {}

    Snapshot(IngestedEventSerializer serializer) {
      super(serializer);
    }

    @Override
    protected int getCurrentOuterSnapshotVersion() {
      return VERSION;
    }

    @Override
    protected TypeSerializer<?>[] getNestedSerializers(IngestedEventSerializer outer) {
      return new TypeSerializer<?>[] {outer.eventSerializer};
    }

    @Override
    @SuppressWarnings("unchecked")
    protected IngestedEventSerializer createOuterSerializerWithNestedSerializers(
        TypeSerializer<?>[] nested) {
      return new IngestedEventSerializer((TypeSerializer<BehaviorEvent>) nested[0]);
    }
  }
}
