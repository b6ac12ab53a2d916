package io.darestream.jobs.serde;

import static io.darestream.jobs.testing.Events.T0;

import io.darestream.jobs.ingest.BehaviorEventSerializer;
import io.darestream.jobs.ingest.EventDecoder;
import io.darestream.jobs.ingest.IngestRecord;
import io.darestream.jobs.ingest.IngestRecordSerializer;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.jobs.ingest.IngestedEventSerializer;
import io.darestream.jobs.sequence.BehaviorSequenceSerializer;
import io.darestream.jobs.sequence.TrainingSampleSerializer;
import io.darestream.jobs.testing.Events;
import io.darestream.jobs.train.DurableCheckpointRecord;
import io.darestream.jobs.train.DurableCheckpointRecordSerializer;
import io.darestream.jobs.train.TrainerCheckpointRecord;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.SequenceLimits;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The job's serializers with a few values each, and the writer of the compatibility fixtures that
 * {@link SerializerCompatibilityTest} restores: per serializer, {@code <name>.snapshot} (its
 * snapshot as Flink writes it into a checkpoint, class name included) and {@code <name>.values}
 * (the values, serialized one after the other).
 *
 * <p>This file compiles against the serializers both before and after they were moved onto {@link
 * ValueSerializer} (commit 1fcda31 and later), so that the fixtures in {@code
 * src/test/resources/fixtures/serializers} were written by the old code: copy it into a checkout of
 * the old commit, then run {@link #main} there with the target directory as its argument.
 */
public final class SerializerFixtures {

  /**
   * One serializer and its fixture values.
   *
   * @param view what two values must agree on to be equal (for types without a value equals)
   */
  public record Case<T>(
      String name, TypeSerializer<T> serializer, List<T> values, Function<T, ?> view) {}

  private SerializerFixtures() {}

  /** Every serializer of the job, by fixture name. */
  public static List<Case<?>> cases() {
    return List.of(
        new Case<>(
            "behavior-sequence",
            BehaviorSequenceSerializer.INSTANCE,
            List.of(sequence(0), sequence(3), sequence(70)),
            s -> ByteBuffer.wrap(s.toBytes())),
        new Case<>(
            "training-sample",
            TrainingSampleSerializer.INSTANCE,
            List.of(
                new TrainingSample(1, 2, 3, 1, T0, T0 + 5, new long[] {7, 8}, new long[] {70, 80}),
                new TrainingSample(9, 10, 11, 0, T0 + 1, T0 + 9, new long[0], new long[0])),
            Function.identity()),
        new Case<>(
            "avro-behavior-event",
            new AvroRecordSerializer<>(BehaviorEvent.class),
            events(),
            Function.identity()),
        new Case<>(
            "avro-dead-letter",
            new AvroRecordSerializer<>(DeadLetter.class),
            List.of(deadLetter(null, null), deadLetter(bytes("7"), bytes("\u0000garbage"))),
            Function.identity()),
        new Case<>(
            "durable-checkpoint-record",
            DurableCheckpointRecordSerializer.INSTANCE,
            List.of(
                DurableCheckpointRecord.restored(
                    new TrainerCheckpointRecord(12, 3, "model-a", 4711)),
                DurableCheckpointRecord.restored(new TrainerCheckpointRecord(1, 0, "m", 0))),
            DurableCheckpointRecord::record),
        new Case<>(
            "behavior-event", BehaviorEventSerializer.INSTANCE, events(), Function.identity()),
        new Case<>(
            "ingested-event",
            IngestedEventSerializer.TYPE_INFO.createSerializer(new SerializerConfigImpl()),
            List.of(
                new IngestedEvent(Events.click("c1", 4, 11, T0), T0 + 5),
                new IngestedEvent(Events.impression("i1", 3, 10, "r1", T0), -1)),
            Function.identity()),
        new Case<>(
            "ingest-record",
            IngestRecordSerializer.INSTANCE,
            ingestRecords(),
            SerializerFixtures::ingestRecordView));
  }

  /** Writes the fixtures of {@link #cases()} into the directory {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    Path dir = Files.createDirectories(Path.of(args[0]));
    for (Case<?> c : cases()) {
      Files.write(dir.resolve(c.name() + ".snapshot"), snapshotBytes(c.serializer()));
      Files.write(dir.resolve(c.name() + ".values"), valueBytes(c));
    }
  }

  /** The serializer's snapshot as a checkpoint stores it: version, class name, payload. */
  public static <T> byte[] snapshotBytes(TypeSerializer<T> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    return out.getCopyOfBuffer();
  }

  /** One value as the serializer writes it. */
  public static <T> byte[] valueBytes(TypeSerializer<T> serializer, T value) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    serializer.serialize(value, out);
    return out.getCopyOfBuffer();
  }

  private static <T> byte[] valueBytes(Case<T> c) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(1024);
    for (T value : c.values()) {
      out.write(valueBytes(c.serializer(), value));
    }
    return out.getCopyOfBuffer();
  }

  private static BehaviorSequence sequence(int clicks) {
    BehaviorSequence seq = BehaviorSequence.create(SequenceLimits.defaults());
    for (int i = 0; i < clicks; i++) {
      seq.append(i + 1, 1000 + i, i % 7, T0 + 1000L * i, BehaviorType.CLICK);
    }
    return seq;
  }

  private static List<BehaviorEvent> events() {
    return List.of(Events.click("c1", 4, 11, T0), Events.impression("i1", 3, 10, "r1", T0 + 1));
  }

  private static DeadLetter deadLetter(ByteBuffer key, ByteBuffer value) {
    return DeadLetter.newBuilder()
        .setRawKey(key)
        .setRawValue(value)
        .setSourceTopic("behavior-events")
        .setSourcePartition(2)
        .setSourceOffset(42)
        .setReasonCode("DECODE_FAILED")
        .setReason("not an Avro single-object record")
        .setRecordTimeMs(T0)
        .setDeadLetterTimeMs(T0 + 7)
        .build();
  }

  private static List<IngestRecord> ingestRecords() {
    EventDecoder decoder = new EventDecoder();
    BehaviorEvent e = Events.click("c1", 4, 11, T0);
    return List.of(
        decoder.decode("behavior-events", 0, 5, T0, bytes("4").array(), Events.bytes(e)),
        decoder.decode("behavior-events", 1, 6, -1, null, bytes("\u0000garbage").array()));
  }

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static Object ingestRecordView(IngestRecord r) {
    return Arrays.asList(
        r.topic(),
        r.partition(),
        r.offset(),
        r.kafkaTimestampMs(),
        r.key() == null ? null : ByteBuffer.wrap(r.key()),
        ByteBuffer.wrap(r.value()),
        r.isDecoded() ? r.event() : r.failureCode());
  }
}
