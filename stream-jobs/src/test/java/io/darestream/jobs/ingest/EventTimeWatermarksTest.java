package io.darestream.jobs.ingest;

import static io.darestream.jobs.testing.Events.T0;
import static io.darestream.jobs.testing.Events.click;
import static org.assertj.core.api.Assertions.assertThat;

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

  @Test
  void watermarkTrailsTheNewestPlausibleEventTime() {
    EventTimeWatermarks.Generator g = new EventTimeWatermarks.Generator(5_000, DAY);

    g.onPeriodicEmit(output);
    onEvent(g, IngestRecords.of(click("a", 1, 1, T0 + 10_000)));
    onEvent(g, IngestRecords.of(click("b", 1, 1, T0)));
    g.onPeriodicEmit(output);

    assertThat(emitted).containsExactly(T0 + 10_000 - 5_000 - 1);
  }

  @Test
  void undecodableAndFarFutureRecordsDoNotMoveTheWatermark() {
    EventTimeWatermarks.Generator g = new EventTimeWatermarks.Generator(0, DAY);

    onEvent(g, IngestRecords.of(click("a", 1, 1, T0)));
    onEvent(g, IngestRecords.raw(null, new byte[] {1}));
    onEvent(g, IngestRecords.of(click("b", 1, 1, System.currentTimeMillis() + 3 * DAY)));

    assertThat(g.maxTimestamp()).isEqualTo(T0);
  }

  private static void onEvent(EventTimeWatermarks.Generator g, IngestRecord r) {
    g.onEvent(r, EventTimeWatermarks.timestampOf(r), null);
  }
}
