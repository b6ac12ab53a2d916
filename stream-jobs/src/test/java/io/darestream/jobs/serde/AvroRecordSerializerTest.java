package io.darestream.jobs.serde;

import static io.darestream.jobs.testing.Events.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.testing.Events;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class AvroRecordSerializerTest {
  private final AvroRecordSerializer<BehaviorEvent> serializer =
      new AvroRecordSerializer<>(BehaviorEvent.class);

  @Test
  void roundTripsAndCopies() throws Exception {
    BehaviorEvent e = Events.impression("e1", 3, 4, "req-1", T0);
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(e, out);
    serializer.serialize(e, out);

    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    assertThat(serializer.deserialize(in)).isEqualTo(e);
    DataOutputSerializer copied = new DataOutputSerializer(64);
    serializer.copy(in, copied);
    assertThat(serializer.deserialize(new DataInputDeserializer(copied.getCopyOfBuffer())))
        .isEqualTo(e);

    BehaviorEvent copy = serializer.copy(e);
    assertThat(copy).isEqualTo(e).isNotSameAs(e);
  }

  @Test
  void snapshotRestoresACompatibleSerializer() throws Exception {
    TypeSerializerSnapshot<BehaviorEvent> written = serializer.snapshotConfiguration();
    DataOutputSerializer out = new DataOutputSerializer(256);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, written);

    TypeSerializerSnapshot<BehaviorEvent> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

    TypeSerializerSchemaCompatibility<BehaviorEvent> compat =
        serializer.snapshotConfiguration().resolveSchemaCompatibility(read);
    assertThat(compat.isCompatibleAsIs()).isTrue();
    TypeSerializer<BehaviorEvent> restored = read.restoreSerializer();
    DataOutputSerializer data = new DataOutputSerializer(64);
    BehaviorEvent e = Events.click("e1", 1, 2, T0);
    restored.serialize(e, data);
    assertThat(serializer.deserialize(new DataInputDeserializer(data.getCopyOfBuffer())))
        .isEqualTo(e);
  }

  @Test
  void anotherRecordClassIsIncompatible() {
    TypeSerializerSnapshot<DeadLetter> old =
        new AvroRecordSerializer<>(DeadLetter.class).snapshotConfiguration();
    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeSerializerSnapshot<BehaviorEvent> asEvent = (TypeSerializerSnapshot) old;

    assertThat(
            serializer.snapshotConfiguration().resolveSchemaCompatibility(asEvent).isIncompatible())
        .isTrue();
  }

  @Test
  void serializerIsJavaSerializable() throws Exception {
    assertThat(InstantiationUtil.clone(serializer)).isEqualTo(serializer);
  }
}
