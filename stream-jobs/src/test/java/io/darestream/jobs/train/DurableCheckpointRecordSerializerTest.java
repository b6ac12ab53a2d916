package io.darestream.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class DurableCheckpointRecordSerializerTest {
  private static final DurableCheckpointRecordSerializer SERIALIZER =
      DurableCheckpointRecordSerializer.INSTANCE;
  private static final TrainerCheckpointRecord RECORD =
      new TrainerCheckpointRecord(12, 3, "model-a", 4711);

  @Test
  void roundTripsTheRecord() throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    SERIALIZER.serialize(DurableCheckpointRecord.restored(RECORD), out);

    DurableCheckpointRecord back =
        SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

    assertThat(back.record()).isEqualTo(RECORD);
    assertThat(back.durable()).isDone();
  }

  @Test
  void copyNeverWaitsButWritingWaitsUntilTheModelCheckpointIsDurable() throws Exception {
    CompletableFuture<Void> export = new CompletableFuture<>();
    DurableCheckpointRecord pending = new DurableCheckpointRecord(RECORD, export);
    // What Flink's synchronous snapshot part does with the state: copy it.
    assertThat(SERIALIZER.copy(pending)).isSameAs(pending);

    CountDownLatch written = new CountDownLatch(1);
    AtomicReference<byte[]> bytes = new AtomicReference<>();
    Thread asyncPart =
        new Thread(
            () -> {
              DataOutputSerializer out = new DataOutputSerializer(64);
              try {
                SERIALIZER.serialize(pending, out);
                bytes.set(out.getCopyOfBuffer());
              } catch (IOException e) {
                throw new AssertionError(e);
              }
              written.countDown();
            });
    asyncPart.start();
    assertThat(written.await(200, TimeUnit.MILLISECONDS)).isFalse();

    export.complete(null);
    assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(SERIALIZER.deserialize(new DataInputDeserializer(bytes.get())).record())
        .isEqualTo(RECORD);
  }

  @Test
  void aFailedModelCheckpointFailsTheWrite() {
    DurableCheckpointRecord failed =
        new DurableCheckpointRecord(
            RECORD, CompletableFuture.failedFuture(new IllegalStateException("disk full")));

    assertThatThrownBy(() -> SERIALIZER.serialize(failed, new DataOutputSerializer(64)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("model checkpoint 12 failed")
        .hasMessageContaining("disk full");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void readsTheByteArrayStateOfEarlierBuilds() throws IOException {
    // Earlier builds kept the encoded record as byte[] state.
    DataOutputSerializer out = new DataOutputSerializer(64);
    BytePrimitiveArraySerializer.INSTANCE.serialize(RECORD.encode(), out);
    TypeSerializerSnapshot old = BytePrimitiveArraySerializer.INSTANCE.snapshotConfiguration();

    assertThat(
            SERIALIZER.snapshotConfiguration().resolveSchemaCompatibility(old).isCompatibleAsIs())
        .isTrue();
    assertThat(SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())).record())
        .isEqualTo(RECORD);
  }

  @Test
  void refusesACorruptLength() {
    DataOutputSerializer out = new DataOutputSerializer(8);
    try {
      out.writeInt(Integer.MAX_VALUE);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertThatThrownBy(
            () -> SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("corrupt");
  }
}
