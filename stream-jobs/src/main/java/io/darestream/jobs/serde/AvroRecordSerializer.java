package io.darestream.jobs.serde;

import io.darestream.schemas.serde.AvroCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of a generated Avro record, in Avro single-object encoding (length-prefixed).
 *
 * <p>Each value carries its writer-schema fingerprint, so values written by an older version of the
 * schema stay readable: the codec resolves them against the current class as long as it knows the
 * writer schema. The {@link Snapshot} stores the schema a checkpoint was written with and hands it
 * to the restored serializer, so evolution does not depend on the shipped history alone.
 *
 * @param <T> the generated record class
 */
public final class AvroRecordSerializer<T extends SpecificRecordBase> extends ValueSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final Class<T> type;

  /**
   * Writer schemas besides the current one and the shipped history (JSON; Schema is not
   * Serializable).
   */
  private final List<String> extraWriterSchemas;

  private transient AvroCodec<T> codec;

  public AvroRecordSerializer(Class<T> type) {
    this(type, List.of());
  }

  private AvroRecordSerializer(Class<T> type, List<String> extraWriterSchemas) {
    super(false);
    this.type = Objects.requireNonNull(type, "type");
    this.extraWriterSchemas = List.copyOf(extraWriterSchemas);
  }

  /** Type information for streams of {@code type}. */
  public static <T extends SpecificRecordBase> TypeInformation<T> typeInfo(Class<T> type) {
    return new SerializerTypeInfo<>(type, new AvroRecordSerializer<>(type));
  }

  private AvroCodec<T> codec() {
    if (codec == null) {
      List<Schema> schemas = new ArrayList<>();
      for (String json : extraWriterSchemas) {
        schemas.add(new Schema.Parser().parse(json));
      }
      codec = AvroCodec.withWriterSchemas(type, schemas);
    }
    return codec;
  }

  Class<T> type() {
    return type;
  }

  @Override
  public T copy(T from) {
    return from == null ? null : SpecificData.getForClass(type).deepCopy(from.getSchema(), from);
  }

  @Override
  public void serialize(T record, DataOutputView target) throws IOException {
    writeLengthPrefixed(codec().encode(record), target);
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    return codec().decode(readLengthPrefixed(source, maxBytes(), type.getSimpleName()));
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    copyLengthPrefixed(source, target, maxBytes(), type.getSimpleName());
  }

  /** The codec refuses longer records anyway; refusing the frame first allocates nothing. */
  private int maxBytes() {
    return codec().limits().maxRecordBytes();
  }

  @Override
  public TypeSerializer<T> duplicate() {
    // The codec is thread-safe, but each serializer copy builds its own lazily anyway.
    return new AvroRecordSerializer<>(type, extraWriterSchemas);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AvroRecordSerializer<?> other
        && type.equals(other.type)
        && extraWriterSchemas.equals(other.extraWriterSchemas);
  }

  @Override
  public int hashCode() {
    return type.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    return new Snapshot<>(type, codec().schema().toString());
  }

  /**
   * Snapshot of an {@link AvroRecordSerializer}: the record class and the schema the data was
   * written with. A restore with a changed schema reconfigures the new serializer to also resolve
   * the old one (Avro schema resolution) instead of failing or migrating.
   *
   * @param <T> the generated record class
   */
  public static final class Snapshot<T extends SpecificRecordBase>
      implements TypeSerializerSnapshot<T> {
    private static final int VERSION = 1;

    private Class<T> type;
    private String writerSchema;

    /** For Flink's reflective instantiation on restore. */
    public Snapshot() {}

    Snapshot(Class<T> type, String writerSchema) {
      this.type = type;
      this.writerSchema = writerSchema;
    }

    @Override
    public int getCurrentVersion() {
      return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeUTF(type.getName());
      // writeUTF is limited to 64 KiB; schemas may grow past it.
      byte[] schema = writerSchema.getBytes(StandardCharsets.UTF_8);
      out.writeInt(schema.length);
      out.write(schema);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
        throws IOException {
      if (readVersion != VERSION) {
        throw new IOException("Unknown AvroRecordSerializer snapshot version " + readVersion);
      }
      String className = in.readUTF();
      try {
        type = (Class<T>) Class.forName(className, false, classLoader);
      } catch (ClassNotFoundException e) {
        throw new IOException("Avro record class " + className + " is not on the classpath", e);
      }
      byte[] schema = new byte[in.readInt()];
      in.readFully(schema);
      writerSchema = new String(schema, StandardCharsets.UTF_8);
    }

    @Override
    public TypeSerializer<T> restoreSerializer() {
      return new AvroRecordSerializer<>(type, List.of(writerSchema));
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
        TypeSerializerSnapshot<T> oldSnapshot) {
      if (!(oldSnapshot instanceof Snapshot<T> old) || !old.type.equals(type)) {
        return TypeSerializerSchemaCompatibility.incompatible();
      }
      if (old.writerSchema.equals(writerSchema)) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      return TypeSerializerSchemaCompatibility.compatibleWithReconfiguredSerializer(
          new AvroRecordSerializer<>(type, List.of(old.writerSchema)));
    }
  }
}
