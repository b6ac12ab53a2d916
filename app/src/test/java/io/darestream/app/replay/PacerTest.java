package io.darestream.app.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The pacing schedule, on a clock the test moves. */
class PacerTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);

  @Test
  void maxRateSpacesEventsEvenlyFromTheFirst() {
    Pacer p = Pacer.maxRate(100, clock::get); // one event per 10 ms
    assertThat(p.delayNanos(0)).isZero();
    p.markSent();
    assertThat(p.delayNanos(0)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(10));
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(25)); // late: the schedule catches up
    assertThat(p.delayNanos(0)).isZero();
    p.markSent();
    assertThat(p.delayNanos(0)).isZero();
    p.markSent();
    assertThat(p.delayNanos(0)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(5));
  }

  @Test
  void speedUpFollowsEventTime() {
    Pacer p = Pacer.speedUp(60, clock::get); // one minute of event time per second
    long t0 = 1_511_568_000_000L;
    assertThat(p.delayNanos(t0)).isZero();
    p.markSent();
    assertThat(p.delayNanos(t0 + 60_000)).isEqualTo(TimeUnit.SECONDS.toNanos(1));
    assertThat(p.delayNanos(t0 - 5_000)).as("an older event is due at once").isZero();
  }

  @Test
  void unlimitedNeverWaits() {
    Pacer p = Pacer.unlimited();
    assertThat(p.delayNanos(5)).isZero();
    assertThat(p.delayNanos(Long.MAX_VALUE / 2)).isZero();
  }

  @Test
  void rejectsNonPositiveSettings() {
    assertThatThrownBy(() -> Pacer.maxRate(0)).hasMessageContaining("rate must be > 0");
    assertThatThrownBy(() -> Pacer.speedUp(-1)).hasMessageContaining("speed-up must be > 0");
  }
}
