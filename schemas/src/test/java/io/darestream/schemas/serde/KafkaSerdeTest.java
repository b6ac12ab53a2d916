package io.darestream.schemas.serde;

import static io.darestream.schemas.testing.Events.BEGINNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.testing.Events;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class KafkaSerdeTest {
  private final AvroKafkaSerializer<BehaviorEvent> serializer =
      new AvroKafkaSerializer<>(Codecs.BEHAVIOR_EVENT);
  private final AvroKafkaDeserializer<BehaviorEvent> deserializer =
      new AvroKafkaDeserializer<>(Codecs.BEHAVIOR_EVENT);

  @Test
  void roundTripsThroughKafkaWrappers() {
    BehaviorEvent event = Events.impression(3, 4, 5, BEGINNING, "req-3");

    byte[] bytes = serializer.serialize("behavior-events", event);

    assertThat(bytes).isEqualTo(Codecs.BEHAVIOR_EVENT.encode(event));
    assertThat(deserializer.deserialize("behavior-events", bytes)).isEqualTo(event);
  }

  @Test
  void nullStaysNullForTombstones() {
    assertThat(serializer.serialize("behavior-events", null)).isNull();
    assertThat(deserializer.deserialize("behavior-events", null)).isNull();
  }

  @Test
  void undecodableBytesRaiseSerializationExceptionCarryingTheReason() {
    assertThatThrownBy(() -> deserializer.deserialize("behavior-events", new byte[] {1, 2, 3}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("topic behavior-events")
        .hasMessageContaining("(BAD_HEADER)")
        .cause()
        .isInstanceOfSatisfying(
            DecodeException.class,
            e -> assertThat(e.reason()).isEqualTo(DecodeException.Reason.BAD_HEADER));
  }
}
