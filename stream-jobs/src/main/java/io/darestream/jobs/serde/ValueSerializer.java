package io.darestream.jobs.serde;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.util.InstantiationUtil;

/**
 * Base of the job's Flink serializers: a subclass says how one value is written ({@link
 * #serialize}) and read ({@link #deserialize(DataInputView)}) and names its snapshot; the rest of
 * Flink's {@link TypeSerializer} contract is answered here, once.
 *
 * <p>The job never reuses objects, so the reuse variants read a fresh value, and values have no
 * fixed length. A mutable type is copied through its own serialized form unless the subclass knows
 * a cheaper copy. A serializer without configuration is its own duplicate and equals every instance
 * of its class; one with configuration (a nested serializer, Avro writer schemas) overrides {@link
 * #duplicate}, {@link #equals} and {@link #hashCode}.
 *
 * <p>Snapshots stay one class per serializer, nested as {@code Snapshot}: Flink writes the
 * snapshot's class name into every checkpoint, and a restore instantiates that name. A serializer
 * without configuration hands its snapshot class to the constructor and this base instantiates it
 * the same way Flink does on restore; one with configuration overrides {@link
 * #snapshotConfiguration}. {@code SerializerCompatibilityTest} restores the snapshots and values
 * written by the build before this base existed.
 *
 * @param <T> the value type
 */
public abstract class ValueSerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final boolean immutable;

  /** The snapshot class of a serializer without configuration; null where a subclass overrides. */
  private final Class<? extends TypeSerializerSnapshot<T>> snapshotClass;

  /**
   * For a serializer with configuration, which overrides {@link #snapshotConfiguration}.
   *
   * @param immutable whether values never change after construction, so that copying may return the
   *     same object
   */
  protected ValueSerializer(boolean immutable) {
    this(immutable, null);
  }

  /**
   * For a serializer without configuration.
   *
   * @param immutable whether values never change after construction, so that copying may return the
   *     same object
   * @param snapshotClass its nested snapshot, with a public no-argument constructor that restores
   *     this serializer
   */
  protected ValueSerializer(
      boolean immutable, Class<? extends TypeSerializerSnapshot<T>> snapshotClass) {
    this.immutable = immutable;
    this.snapshotClass = snapshotClass;
  }

  @Override
  public final boolean isImmutableType() {
    return immutable;
  }

  @Override
  public final T createInstance() {
    return null;
  }

  @Override
  public T copy(T from) {
    if (immutable || from == null) {
      return from;
    }
    try {
      DataOutputSerializer bytes = new DataOutputSerializer(256);
      serialize(from, bytes);
      return deserialize(new DataInputDeserializer(bytes.getSharedBuffer(), 0, bytes.length()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from.getClass().getSimpleName(), e);
    }
  }

  @Override
  public final T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public final int getLength() {
    return -1;
  }

  @Override
  public final T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  /** Copies one serialized value by reading and writing it; layouts with a length override it. */
  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  /** A fresh instance of the snapshot class given to the constructor. */
  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    if (snapshotClass == null) {
      throw new IllegalStateException(
          getClass().getName() + " has configuration and must override snapshotConfiguration");
    }
    return InstantiationUtil.instantiate(snapshotClass);
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o != null && o.getClass() == getClass();
  }

  @Override
  public int hashCode() {
    return getClass().hashCode();
  }

  /** Reads a record's format byte, refusing any other than {@code expected}. */
  protected static void readFormat(DataInputView in, byte expected, String what)
      throws IOException {
    byte format = in.readByte();
    if (format != expected) {
      throw new IOException(what + " format " + format + ", expected " + expected);
    }
  }

  /** Writes {@code bytes} with an int length in front. */
  protected static void writeLengthPrefixed(byte[] bytes, DataOutputView out) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  /**
   * Reads what {@link #writeLengthPrefixed} wrote, refusing a length outside {@code [0, maxBytes]}
   * before allocating anything.
   */
  protected static byte[] readLengthPrefixed(DataInputView in, int maxBytes, String what)
      throws IOException {
    int length = in.readInt();
    if (length < 0 || length > maxBytes) {
      throw new IOException(
          what + " of " + length + " bytes (at most " + maxBytes + "): corrupt state");
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }

  /** Copies what {@link #writeLengthPrefixed} wrote without decoding it. */
  protected static void copyLengthPrefixed(
      DataInputView in, DataOutputView out, int maxBytes, String what) throws IOException {
    // Through a byte array: DataOutputSerializer.write(DataInputView, n) does not grow its buffer.
    writeLengthPrefixed(readLengthPrefixed(in, maxBytes, what), out);
  }
}
