package io.darestream.jobs.sequence;

import static io.darestream.jobs.testing.Events.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.SequenceLimits;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

class SerializersTest {

  @Test
  void sequenceRoundTripsThroughTheFlinkSerializer() throws Exception {
    BehaviorSequence seq = BehaviorSequence.create(SequenceLimits.defaults());
    for (int i = 0; i < 100; i++) {
      seq.append(i + 1, 1000 + i, i % 7, T0 + i, BehaviorType.CLICK);
    }

    BehaviorSequence back = roundTrip(BehaviorSequenceSerializer.INSTANCE, seq);

    assertThat(back.size()).isEqualTo(100);
    assertThat(back.newest(3).items()).containsExactly(1099L, 1098L, 1097L);
    assertThat(BehaviorSequenceSerializer.INSTANCE.copy(seq).toBytes()).isEqualTo(seq.toBytes());
  }

  @Test
  void sequenceSnapshotIsCompatibleAsIsAndMigratesFromAnOlderCodec() throws Exception {
    TypeSerializerSnapshot<BehaviorSequence> current =
        BehaviorSequenceSerializer.INSTANCE.snapshotConfiguration();
    TypeSerializerSnapshot<BehaviorSequence> restored = writeAndRead(current);

    assertThat(current.resolveSchemaCompatibility(restored).isCompatibleAsIs()).isTrue();
    var older = new BehaviorSequenceSerializer.Snapshot(0);
    assertThat(current.resolveSchemaCompatibility(older).isCompatibleAfterMigration()).isTrue();
    var newer = new BehaviorSequenceSerializer.Snapshot(Integer.MAX_VALUE);
    assertThat(current.resolveSchemaCompatibility(newer).isIncompatible()).isTrue();
  }

  @Test
  void trainingSampleRoundTripsAndCopiesSerializedForm() throws Exception {
    TrainingSample s =
        new TrainingSample(1, 2, 3, 1, T0, T0 + 5, new long[] {7, 8}, new long[] {70, 80});

    assertThat(roundTrip(TrainingSampleSerializer.INSTANCE, s)).isEqualTo(s);

    DataOutputSerializer out = new DataOutputSerializer(64);
    TrainingSampleSerializer.INSTANCE.serialize(s, out);
    DataOutputSerializer copied = new DataOutputSerializer(64);
    TrainingSampleSerializer.INSTANCE.copy(
        new DataInputDeserializer(out.getCopyOfBuffer()), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    assertThat(
            TrainingSampleSerializer.INSTANCE
                .snapshotConfiguration()
                .resolveSchemaCompatibility(
                    writeAndRead(TrainingSampleSerializer.INSTANCE.snapshotConfiguration()))
                .isCompatibleAsIs())
        .isTrue();
  }

  @Test
  void aTrainingSampleClaimingAHugeHistoryIsRefusedBeforeAllocating() throws Exception {
    TrainingSample s = new TrainingSample(1, 2, 3, 1, T0, T0 + 5, new long[] {7}, new long[] {70});
    DataOutputSerializer out = new DataOutputSerializer(64);
    TrainingSampleSerializer.INSTANCE.serialize(s, out);
    byte[] forged = out.getCopyOfBuffer();
    // The history length follows the 41 fixed bytes: claim 2^30 behaviours (32 GiB of arrays).
    forged[41] = 0x40;
    for (boolean copy : new boolean[] {false, true}) {
      DataInputDeserializer in = new DataInputDeserializer(forged);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> {
                if (copy) {
                  TrainingSampleSerializer.INSTANCE.copy(in, new DataOutputSerializer(64));
                } else {
                  TrainingSampleSerializer.INSTANCE.deserialize(in);
                }
              })
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("history length 1073741825")
          .hasMessageContaining("corrupt data");
    }
  }

  @Test
  void sequenceUpdateIsAFlinkPojoWithoutKryo() {
    PojoTestUtils.assertSerializedAsPojoWithoutKryo(SequenceUpdate.class);
  }

  private static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(value, out);
    return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }

  private static <T> TypeSerializerSnapshot<T> writeAndRead(TypeSerializerSnapshot<T> snapshot)
      throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()), SerializersTest.class.getClassLoader());
  }
}
