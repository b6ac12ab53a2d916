package io.darestream.app.replay;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Holds a replay back to a maximum rate (events per second) or to event time sped up by a factor;
 * unlimited otherwise. The schedule is absolute (from the first event), so short stalls are made up
 * and the average rate is exact.
 */
public final class Pacer {
  private final double maxRate;
  private final double speedUp;
  private final LongSupplier nanoClock;
  private long startNanos;
  private long firstEventTimeMs = Long.MIN_VALUE;
  private long sent;

  private Pacer(double maxRate, double speedUp, LongSupplier nanoClock) {
    this.maxRate = maxRate;
    this.speedUp = speedUp;
    this.nanoClock = nanoClock;
  }

  /** As fast as Kafka takes it. */
  public static Pacer unlimited() {
    return new Pacer(0, 0, System::nanoTime);
  }

  /** At most {@code eventsPerSecond} on average. */
  public static Pacer maxRate(double eventsPerSecond) {
    return maxRate(eventsPerSecond, System::nanoTime);
  }

  static Pacer maxRate(double eventsPerSecond, LongSupplier nanoClock) {
    if (!(eventsPerSecond > 0)) {
      throw new IllegalArgumentException("rate must be > 0, got " + eventsPerSecond);
    }
    return new Pacer(eventsPerSecond, 0, nanoClock);
  }

  /** Event time replayed {@code factor} times faster than it happened (1 = real time). */
  public static Pacer speedUp(double factor) {
    return speedUp(factor, System::nanoTime);
  }

  static Pacer speedUp(double factor, LongSupplier nanoClock) {
    if (!(factor > 0)) {
      throw new IllegalArgumentException("speed-up must be > 0, got " + factor);
    }
    return new Pacer(0, factor, nanoClock);
  }

  /** Nanoseconds to wait before sending an event with {@code eventTimeMs}; 0 if it is due. */
  long delayNanos(long eventTimeMs) {
    long now = nanoClock.getAsLong();
    if (firstEventTimeMs == Long.MIN_VALUE) {
      firstEventTimeMs = eventTimeMs;
      startNanos = now;
    }
    long dueOffset;
    if (maxRate > 0) {
      dueOffset = (long) (sent * 1e9 / maxRate);
    } else if (speedUp > 0) {
      dueOffset = (long) (Math.max(0, eventTimeMs - firstEventTimeMs) * 1e6 / speedUp);
    } else {
      return 0;
    }
    return Math.max(0, startNanos + dueOffset - now);
  }

  /** Blocks until the event with {@code eventTimeMs} may be sent, then counts it. */
  public void pace(long eventTimeMs) {
    long delay = delayNanos(eventTimeMs);
    // Waiting for a schedule, not for a condition: parking is the point.
    while (delay > 0) {
      LockSupport.parkNanos(delay);
      delay = delayNanos(eventTimeMs);
    }
    sent++;
  }

  /** Called after an event was counted without {@link #pace} (tests drive the clock). */
  void markSent() {
    sent++;
  }
}
