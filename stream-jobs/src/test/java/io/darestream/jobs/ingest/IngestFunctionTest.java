package io.darestream.jobs.ingest;

import static io.darestream.jobs.testing.Events.T0;
import static io.darestream.jobs.testing.Events.click;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.validate.EventPolicy;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IngestFunctionTest {
  private static final long DAY = Duration.ofDays(1).toMillis();

  private OneInputStreamOperatorTestHarness<IngestRecord, IngestedEvent> harness;

  @BeforeEach
  void setUp() throws Exception {
    harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(
                new IngestFunction(
                    new EventGate(
                        EventPolicy.builder().optMaxLatenessMs(DAY).optMaxFutureMs(DAY).build()))));
    // Explicit output serializer: the harness would otherwise look for flink-avro.
    harness.setup(IngestedEventSerializer.TYPE_INFO.createSerializer(new SerializerConfigImpl()));
    harness.open();
    harness.setProcessingTime(T0 + 10 * DAY);
  }

  @AfterEach
  void tearDown() throws Exception {
    harness.close();
  }

  @Test
  void validEventsGoOnBadOnesToTheSideOutputAndTheJobKeepsRunning() throws Exception {
    BehaviorEvent good = click("e1", 1, 10, T0);
    harness.processElement(new StreamRecord<>(IngestRecords.of(good), T0));
    harness.processElement(new StreamRecord<>(IngestRecords.raw(null, new byte[] {9, 9}), 0));
    harness.processElement(new StreamRecord<>(IngestRecords.of(click("e2", 1, -5, T0)), T0));
    BehaviorEvent good2 = click("e3", 2, 11, T0 + 1);
    harness.processElement(new StreamRecord<>(IngestRecords.of(good2), T0 + 1));

    assertThat(harness.extractOutputValues())
        .extracting(IngestedEvent::event)
        .containsExactly(good, good2);
    // No Kafka timestamp on these records: ingest time is the processing time.
    assertThat(harness.extractOutputValues())
        .allSatisfy(e -> assertThat(e.ingestTimeMs()).isEqualTo(T0 + 10 * DAY));
    List<String> reasons =
        harness.getSideOutput(IngestFunction.DEAD_LETTERS).stream()
            .map(StreamRecord::getValue)
            .map(DeadLetter::getReasonCode)
            .toList();
    assertThat(reasons).containsExactly("BAD_HEADER", "INVALID_FIELD");
  }

  @Test
  void timeChecksUseTheCurrentWatermark() throws Exception {
    harness.processWatermark(new Watermark(T0 + 3 * DAY));

    harness.processElement(new StreamRecord<>(IngestRecords.of(click("e1", 1, 10, T0)), T0));
    harness.processElement(
        new StreamRecord<>(IngestRecords.of(click("e2", 1, 10, T0 + 3 * DAY)), T0 + 3 * DAY));

    assertThat(harness.extractOutputValues())
        .extracting(e -> e.event().getEventId())
        .contains("e2");
    assertThat(harness.getSideOutput(IngestFunction.DEAD_LETTERS))
        .extracting(r -> r.getValue().getReasonCode())
        .containsExactly("LATE_EVENT");
  }

  @Test
  void eventsAheadOfTheirRecordAreAcceptedWithinMaxFutureAndTheYear3000IsDeadLettered()
      throws Exception {
    long now = T0 + 10 * DAY;
    harness.processWatermark(new Watermark(now - 5_001));
    long year3000 = java.time.Instant.parse("3000-01-01T00:00:00Z").toEpochMilli();

    harness.processElement(
        new StreamRecord<>(IngestRecords.at(click("ahead", 1, 10, now + DAY / 2), now), now));
    harness.processElement(
        new StreamRecord<>(IngestRecords.at(click("y3000", 1, 10, year3000), now), now));
    harness.processElement(
        new StreamRecord<>(IngestRecords.at(click("ok", 1, 11, now + 1_000), now + 1_000), now));

    assertThat(harness.extractOutputValues())
        .extracting(e -> e.event().getEventId())
        .containsExactly("ahead", "ok");
    assertThat(harness.getSideOutput(IngestFunction.DEAD_LETTERS))
        .extracting(r -> r.getValue().getReasonCode())
        .containsExactly("FUTURE_EVENT");
  }
}
