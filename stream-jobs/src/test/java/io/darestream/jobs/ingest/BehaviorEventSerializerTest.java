package io.darestream.jobs.ingest;

import static io.darestream.jobs.testing.Events.T0;
import static io.darestream.jobs.testing.Events.click;
import static io.darestream.jobs.testing.Events.impression;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import org.apache.avro.Schema;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class BehaviorEventSerializerTest {

  @Test
  void eventsRoundTripWithAndWithoutRequestId() throws Exception {
    BehaviorEvent withRequest = impression("i1", 3, 10, "r1", T0);
    BehaviorEvent without = click("c1", 4, 11, T0 + 1);
    assertThat(roundTrip(BehaviorEventSerializer.INSTANCE, withRequest)).isEqualTo(withRequest);
    assertThat(roundTrip(BehaviorEventSerializer.INSTANCE, without)).isEqualTo(without);
  }

  @Test
  void ingestedEventsCrossTheExchangeWithTheirIngestTime() throws Exception {
    TypeSerializer<IngestedEvent> s =
        IngestedEventSerializer.TYPE_INFO.createSerializer(new SerializerConfigImpl());
    IngestedEvent e = new IngestedEvent(click("c1", 4, 11, T0), T0 + 5);
    assertThat(roundTrip(s, e)).isEqualTo(e);
  }

  @Test
  void coversEveryFieldOfTheSchema() {
    // Tripwire: a new schema field must be added to BehaviorEventSerializer's layout.
    assertThat(BehaviorEvent.getClassSchema().getFields())
        .extracting(Schema.Field::name)
        .containsExactly(
            "event_id", "user_id", "item_id", "category_id", "type", "event_time_ms", "request_id");
  }

  private static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(value, out);
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    T read = serializer.deserialize(in);
    assertThat(in.available()).isZero();
    return read;
  }
}
