package io.darestream.jobs.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.serde.SerializerFixtures.Case;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * State written by the serializers of commit 1fcda31, before they shared {@link ValueSerializer},
 * restores with today's: each old snapshot (class name and payload, as a checkpoint stores it) is
 * read, resolved against today's snapshot and found compatible as it is, and its restored
 * serializer reads the old values. Today's serializers write those values byte for byte as before,
 * since RocksDB and checkpoints hold them. The fixtures were written by {@link SerializerFixtures}
 * run against the old code.
 */
class SerializerCompatibilityTest {
  private static final String FIXTURES = "/fixtures/serializers/";

  static Stream<Named<Case<?>>> cases() {
    return SerializerFixtures.cases().stream().map(c -> Named.of(c.name(), c));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void snapshotOfTheOldBuildResolvesAsCompatibleAsIs(Case<?> c) throws IOException {
    TypeSerializerSchemaCompatibility<?> compatibility = resolveOldSnapshot(c);

    assertThat(compatibility.isCompatibleAsIs()).as(compatibility.toString()).isTrue();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void valuesOfTheOldBuildRestoreAndAreWrittenWithTheSameBytes(Case<?> c) throws IOException {
    restoreValues(c);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void serializedValuesCopyUnchanged(Case<?> c) throws IOException {
    byte[] values = resource(c.name() + ".values");
    DataInputDeserializer in = new DataInputDeserializer(values);
    DataOutputSerializer copied = new DataOutputSerializer(values.length);
    for (int i = 0; i < c.values().size(); i++) {
      c.serializer().copy(in, copied);
    }

    assertThat(copied.getCopyOfBuffer()).isEqualTo(values);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void duplicatesAndJavaSerializedCopiesEqualTheSerializer(Case<?> c) throws Exception {
    TypeSerializer<?> serializer = c.serializer();

    assertThat(serializer.duplicate()).isEqualTo(serializer).hasSameHashCodeAs(serializer);
    assertThat(InstantiationUtil.clone(serializer)).isEqualTo(serializer);
  }

  private static <T> TypeSerializerSchemaCompatibility<T> resolveOldSnapshot(Case<T> c)
      throws IOException {
    return c.serializer().snapshotConfiguration().resolveSchemaCompatibility(oldSnapshot(c));
  }

  private static <T> void restoreValues(Case<T> c) throws IOException {
    TypeSerializer<T> restored = oldSnapshot(c).restoreSerializer();
    byte[] values = resource(c.name() + ".values");
    DataInputDeserializer in = new DataInputDeserializer(values);
    for (T expected : c.values()) {
      int start = in.getPosition();
      T read = restored.deserialize(in);
      byte[] oldBytes = Arrays.copyOfRange(values, start, in.getPosition());

      assertThat(c.view().apply(read)).isEqualTo(c.view().apply(expected));
      assertThat(SerializerFixtures.valueBytes(c.serializer(), expected))
          .as("bytes of %s", expected)
          .isEqualTo(oldBytes);
    }
    assertThat(in.available()).as("bytes left after the fixture's values").isZero();
  }

  private static <T> TypeSerializerSnapshot<T> oldSnapshot(Case<T> c) throws IOException {
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(resource(c.name() + ".snapshot")),
        SerializerCompatibilityTest.class.getClassLoader());
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = SerializerCompatibilityTest.class.getResourceAsStream(FIXTURES + name)) {
      assertThat(in).as("fixture %s", name).isNotNull();
      return in.readAllBytes();
    }
  }
}
