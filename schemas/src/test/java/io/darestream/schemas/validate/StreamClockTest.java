package io.darestream.schemas.validate;

import static io.darestream.schemas.testing.Events.BEGINNING;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamClockTest {
  private static final long NOW = BEGINNING;
  private final EventPolicy policy =
      EventPolicy.builder().optOutOfOrdernessMs(5_000).optIdlenessMs(30_000).build();
  private final StreamClock clock = new StreamClock(policy);

  @Test
  void theWatermarkIsTheSlowestActivePartitionMinusTheOutOfOrderness() {
    assertThat(clock.watermark(NOW)).isEqualTo(Long.MIN_VALUE);

    clock.observe(0, NOW - 1_000, NOW, NOW);
    clock.observe(1, NOW - 60_000, NOW, NOW);

    assertThat(clock.watermark(NOW)).isEqualTo(NOW - 60_000 - 5_001);
  }

  @Test
  void anIdlePartitionStopsHoldingItBackAndItNeverGoesBack() {
    clock.observe(0, NOW - 60_000, NOW, NOW);
    clock.observe(1, NOW - 1_000, NOW, NOW);
    clock.touch(1, NOW + 30_000);

    assertThat(clock.watermark(NOW + 30_000)).isEqualTo(NOW - 1_000 - 5_001);
    clock.observe(0, NOW - 50_000, NOW + 30_001, NOW + 30_001);
    assertThat(clock.watermark(NOW + 30_001)).isEqualTo(NOW - 1_000 - 5_001);
  }

  @Test
  void aPartitionWithRecordsButNoAcceptedEventHoldsItBackLikeAFlinkSplit() {
    clock.observe(0, NOW, NOW, NOW);
    clock.touch(1, NOW);

    assertThat(clock.watermark(NOW)).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void eventsAheadOfTheirRecordCountOnlyUpToIt() {
    clock.observe(0, NOW + 3_600_000, NOW, NOW);

    assertThat(clock.watermark(NOW)).isEqualTo(NOW - 5_001);
  }
}
