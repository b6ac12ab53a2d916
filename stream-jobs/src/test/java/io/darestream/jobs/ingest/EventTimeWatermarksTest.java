package io.darestream.jobs.ingest;

import static io.darestream.jobs.testing.Events.T0;
import static io.darestream.jobs.testing.Events.click;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.validate.EventPolicy;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

class EventTimeWatermarksTest {
  private static final long DAY = 86_400_000L;

  private final List<Long> emitted = new ArrayList<>();
  private final WatermarkOutput output =
      new WatermarkOutput() {
        @Override
        public void emitWatermark(Watermark watermark) {
          emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
      };

  private static final long NOW = T0 + 30 * DAY;

  private static EventTimeWatermarks.Generator generator(long outOfOrderMs) {
    EventPolicy policy =
        EventPolicy.builder().optOutOfOrdernessMs(outOfOrderMs).optMaxFutureMs(DAY).build();
    return new EventTimeWatermarks.Generator(policy, () -> NOW);
  }

  @Test
  void watermarkTrailsTheNewestPlausibleEventTime() {
    EventTimeWatermarks.Generator g = generator(5_000);

    g.onPeriodicEmit(output);
    onEvent(g, IngestRecords.of(click("a", 1, 1, T0 + 10_000)));
    onEvent(g, IngestRecords.of(click("b", 1, 1, T0)));
    g.onPeriodicEmit(output);

    assertThat(emitted).containsExactly(T0 + 10_000 - 5_000 - 1);
  }

  @Test
  void undecodableInvalidAndFarFutureRecordsDoNotMoveTheWatermark() {
    EventTimeWatermarks.Generator g = generator(0);

    onEvent(g, IngestRecords.of(click("a", 1, 1, T0)));
    onEvent(g, IngestRecords.raw(null, new byte[] {1}));
    onEvent(g, IngestRecords.of(click("b", 1, 1, NOW + 3 * DAY)));
    onEvent(g, IngestRecords.of(click("c", -1, 1, T0 + DAY)));
    onEvent(g, IngestRecords.of(click("d", 1, Long.MAX_VALUE, T0 + DAY)));

    assertThat(g.clock()).isEqualTo(T0);
  }

  @Test
  void acceptedEventsAheadOfTheirRecordNeverWalkTheWatermarkForward() {
    EventTimeWatermarks.Generator g = generator(5_000);
    onEvent(g, IngestRecords.at(click("now", 1, 1, NOW - 1_000), NOW - 1_000));

    long t = NOW;
    for (int i = 0; i < 10; i++) { // each just under a day ahead of the clock the last one made
      t += DAY - 1;
      onEvent(g, IngestRecords.at(click("ahead" + i, 1, 1, t), NOW));
    }
    g.onPeriodicEmit(output);

    assertThat(g.clock()).isEqualTo(NOW);
    assertThat(emitted).containsExactly(NOW - 5_000 - 1);
  }

  private static void onEvent(EventTimeWatermarks.Generator g, IngestRecord r) {
    g.onEvent(r, EventTimeWatermarks.timestampOf(r), null);
  }
}
