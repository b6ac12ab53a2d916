package io.darestream.jobs.train;

import io.darestream.jobs.serde.ValueSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link DurableCheckpointRecord}: {@link #serialize} waits until the model
 * checkpoint the record names is durable, then writes the record's bytes ({@link
 * TrainerCheckpointRecord#encode()}, length-prefixed).
 *
 * <p>Records are immutable, so {@link #copy} (what the synchronous part of an operator-state
 * snapshot calls) returns them as they are and never waits; only the asynchronous part, which
 * writes the state, waits. A failed model checkpoint fails that write, and so the Flink checkpoint.
 */
public final class DurableCheckpointRecordSerializer
    extends ValueSerializer<DurableCheckpointRecord> {
  private static final long serialVersionUID = 1L;

  public static final DurableCheckpointRecordSerializer INSTANCE =
      new DurableCheckpointRecordSerializer();

  /** Largest record accepted on read: a model id of a few hundred bytes and four numbers. */
  private static final int MAX_BYTES = 64 * 1024;

  private static final String WHAT = "trainer checkpoint record";

  private DurableCheckpointRecordSerializer() {
    super(true, Snapshot.class);
  }

  @Override
  public void serialize(DurableCheckpointRecord record, DataOutputView target) throws IOException {
    writeLengthPrefixed(record.awaitDurable().encode(), target);
  }

  @Override
  public DurableCheckpointRecord deserialize(DataInputView source) throws IOException {
    return DurableCheckpointRecord.restored(
        TrainerCheckpointRecord.decode(readLengthPrefixed(source, MAX_BYTES, WHAT)));
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    copyLengthPrefixed(source, target, MAX_BYTES, WHAT);
  }

  /**
   * Serializer snapshot: the format has one version, the record carries its own. Checkpoints of
   * earlier builds stored the same bytes through Flink's {@code BytePrimitiveArraySerializer}
   * (length, then {@link TrainerCheckpointRecord#encode()}), so they restore as they are.
   */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<DurableCheckpointRecord> {
    public Snapshot() {
      super(() -> INSTANCE);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public TypeSerializerSchemaCompatibility<DurableCheckpointRecord> resolveSchemaCompatibility(
        TypeSerializerSnapshot<DurableCheckpointRecord> oldSnapshot) {
      if ((TypeSerializerSnapshot) oldSnapshot
          instanceof BytePrimitiveArraySerializer.BytePrimitiveArraySerializerSnapshot) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      return super.resolveSchemaCompatibility(oldSnapshot);
    }
  }
}
