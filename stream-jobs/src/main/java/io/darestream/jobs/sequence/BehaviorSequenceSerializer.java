package io.darestream.jobs.sequence;

import io.darestream.jobs.serde.SerializerTypeInfo;
import io.darestream.jobs.serde.ValueSerializer;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.SequenceCodec;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
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
public final class BehaviorSequenceSerializer extends ValueSerializer<BehaviorSequence> {
  private static final long serialVersionUID = 1L;

  public static final BehaviorSequenceSerializer INSTANCE = new BehaviorSequenceSerializer();

  public static final TypeInformation<BehaviorSequence> TYPE_INFO =
      new SerializerTypeInfo<>(BehaviorSequence.class, INSTANCE);

  private BehaviorSequenceSerializer() {
    super(false);
  }

  @Override
  public void serialize(BehaviorSequence record, DataOutputView target) throws IOException {
    writeLengthPrefixed(SequenceCodec.serialize(record), target);
  }

  @Override
  public BehaviorSequence deserialize(DataInputView source) throws IOException {
    // The codec bounds what it decodes (SequenceLimits); the frame is only checked for sign.
    return SequenceCodec.deserialize(readLengthPrefixed(source, Integer.MAX_VALUE, "sequence"));
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    copyLengthPrefixed(source, target, Integer.MAX_VALUE, "sequence");
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
