package io.darestream.jobs.train;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
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
    extends TypeSerializerSingleton<DurableCheckpointRecord> {
  private static final long serialVersionUID = 1L;

  public static final DurableCheckpointRecordSerializer INSTANCE =
      new DurableCheckpointRecordSerializer();

  /** Largest record accepted on read: a model id of a few hundred bytes and four numbers. */
  private static final int MAX_BYTES = 64 * 1024;

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public DurableCheckpointRecord createInstance() {
    return null;
  }

  @Override
  public DurableCheckpointRecord copy(DurableCheckpointRecord from) {
    return from;
  }

  @Override
  public DurableCheckpointRecord copy(DurableCheckpointRecord from, DurableCheckpointRecord reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(DurableCheckpointRecord record, DataOutputView target) throws IOException {
    byte[] bytes = record.awaitDurable().encode();
    target.writeInt(bytes.length);
    target.write(bytes);
  }

  @Override
  public DurableCheckpointRecord deserialize(DataInputView source) throws IOException {
    return DurableCheckpointRecord.restored(TrainerCheckpointRecord.decode(readBytes(source)));
  }

  @Override
  public DurableCheckpointRecord deserialize(DurableCheckpointRecord reuse, DataInputView source)
      throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    byte[] bytes = readBytes(source);
    target.writeInt(bytes.length);
    target.write(bytes);
  }

  private static byte[] readBytes(DataInputView source) throws IOException {
    int length = source.readInt();
    if (length < 0 || length > MAX_BYTES) {
      throw new IOException("trainer checkpoint record of " + length + " bytes: corrupt state");
    }
    byte[] bytes = new byte[length];
    source.readFully(bytes);
    return bytes;
  }

  @Override
  public TypeSerializerSnapshot<DurableCheckpointRecord> snapshotConfiguration() {
    return new Snapshot();
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
