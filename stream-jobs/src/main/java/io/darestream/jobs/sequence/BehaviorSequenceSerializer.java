package io.darestream.jobs.sequence;

import io.darestream.jobs.serde.SerializerTypeInfo;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.SequenceCodec;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of a user's {@link BehaviorSequence}, delegating to the state module's packed
 * {@link SequenceCodec} (magic, version, limits, delta-coded blocks): a few bytes per behaviour in
 * RocksDB instead of Kryo's object graph.
 *
 * <p>Evolution: every value carries its own codec version, so the codec decides what it can read;
 * the serializer snapshot records which codec version wrote the checkpoint, and a restore from an
 * older one is declared "compatible after migration", so Flink rewrites old values with the new
 * codec (reading them through the restored serializer, i.e. the codec's reader for old versions).
 */
public final class BehaviorSequenceSerializer extends TypeSerializerSingleton<BehaviorSequence> {
  private static final long serialVersionUID = 1L;

  public static final BehaviorSequenceSerializer INSTANCE = new BehaviorSequenceSerializer();

  public static final TypeInformation<BehaviorSequence> TYPE_INFO =
      new SerializerTypeInfo<>(BehaviorSequence.class, INSTANCE);

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public BehaviorSequence createInstance() {
    return null;
  }

  @Override
  public BehaviorSequence copy(BehaviorSequence from) {
    return from == null ? null : SequenceCodec.deserialize(SequenceCodec.serialize(from));
  }

  @Override
  public BehaviorSequence copy(BehaviorSequence from, BehaviorSequence reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(BehaviorSequence record, DataOutputView target) throws IOException {
    byte[] bytes = SequenceCodec.serialize(record);
    target.writeInt(bytes.length);
    target.write(bytes);
  }

  @Override
  public BehaviorSequence deserialize(DataInputView source) throws IOException {
    byte[] bytes = new byte[source.readInt()];
    source.readFully(bytes);
    return SequenceCodec.deserialize(bytes);
  }

  @Override
  public BehaviorSequence deserialize(BehaviorSequence reuse, DataInputView source)
      throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int length = source.readInt();
    target.writeInt(length);
    byte[] bytes = new byte[length];
    source.readFully(bytes);
    target.write(bytes);
  }

  @Override
  public TypeSerializerSnapshot<BehaviorSequence> snapshotConfiguration() {
    return new Snapshot(SequenceCodec.VERSION);
  }

  /** Records the codec version that wrote the state. */
  public static final class Snapshot implements TypeSerializerSnapshot<BehaviorSequence> {
    private static final int VERSION = 1;

    private int codecVersion;

    /** For Flink's reflective instantiation on restore. */
    public Snapshot() {}

    Snapshot(int codecVersion) {
      this.codecVersion = codecVersion;
    }

    int codecVersion() {
      return codecVersion;
    }

    @Override
    public int getCurrentVersion() {
      return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeInt(codecVersion);
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
        throws IOException {
      if (readVersion != VERSION) {
        throw new IOException("Unknown BehaviorSequenceSerializer snapshot version " + readVersion);
      }
      codecVersion = in.readInt();
    }

    @Override
    public TypeSerializer<BehaviorSequence> restoreSerializer() {
      // The codec reads every version it supports; the same serializer reads old state.
      return INSTANCE;
    }

    @Override
    public TypeSerializerSchemaCompatibility<BehaviorSequence> resolveSchemaCompatibility(
        TypeSerializerSnapshot<BehaviorSequence> oldSnapshot) {
      if (!(oldSnapshot instanceof Snapshot old)) {
        return TypeSerializerSchemaCompatibility.incompatible();
      }
      if (old.codecVersion == codecVersion) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      if (old.codecVersion < codecVersion) {
        return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
      }
      // Written by a newer codec than this build knows: refuse rather than misread.
      return TypeSerializerSchemaCompatibility.incompatible();
    }
  }
}
