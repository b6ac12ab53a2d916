package io.darestream.jobs.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.shard.DenseProgressSerializer;
import io.darestream.jobs.shard.GradientBatchSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.junit.jupiter.api.Test;

/**
 * The snapshot that {@link ValueSerializer} makes from a subclass's snapshot class: written and
 * read back as a checkpoint does, it keeps the nested class's name, resolves as compatible and
 * restores the serializer; a subclass with configuration that forgets its own snapshot is told so.
 */
class ValueSerializerTest {

  @Test
  void snapshotOfTheGivenClassRestoresTheSerializer() throws IOException {
    assertRestoresItself(DenseProgressSerializer.INSTANCE, DenseProgressSerializer.Snapshot.class);
    assertRestoresItself(GradientBatchSerializer.INSTANCE, GradientBatchSerializer.Snapshot.class);
  }

  @Test
  void serializerWithoutSnapshotClassMustOverride() {
    assertThatThrownBy(() -> new Configured().snapshotConfiguration())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(Configured.class.getName())
        .hasMessageContaining("must override snapshotConfiguration");
  }

  private static <T> void assertRestoresItself(TypeSerializer<T> serializer, Class<?> snapshotClass)
      throws IOException {
    TypeSerializerSnapshot<T> snapshot = serializer.snapshotConfiguration();
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    TypeSerializerSnapshot<T> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()),
            ValueSerializerTest.class.getClassLoader());

    assertThat(snapshot).isExactlyInstanceOf(snapshotClass);
    assertThat(read).isExactlyInstanceOf(snapshotClass);
    assertThat(
            serializer.snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs())
        .isTrue();
    assertThat(read.restoreSerializer()).isSameAs(serializer);
  }

  /** A serializer built with the constructor for configured serializers, without its snapshot. */
  private static final class Configured extends ValueSerializer<String> {
    private static final long serialVersionUID = 1L;

    Configured() {
      super(true);
    }

    @Override
    public void serialize(String value, DataOutputView target) throws IOException {
      target.writeUTF(value);
    }

    @Override
    public String deserialize(DataInputView source) throws IOException {
      return source.readUTF();
    }
  }
}
