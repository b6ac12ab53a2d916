package io.darestream.jobs.ingest;

import io.darestream.jobs.config.IngestOptions;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event-time watermarks of the events source: bounded out-of-orderness per Kafka partition, idle
 * partitions ignored after a while, and implausible timestamps never let through to the watermark.
 *
 * <p>Why the guard: a single event stamped in the year 2100 would otherwise push the watermark
 * there, and every later event would look late. Records that did not decode carry {@link
 * Long#MIN_VALUE} and are ignored too; both end in the dead-letter topic.
 */
public final class EventTimeWatermarks {
  private EventTimeWatermarks() {}

  /** The strategy for {@code fromSource(kafkaSource, strategy, name)}. */
  public static WatermarkStrategy<IngestRecord> strategy(IngestOptions options) {
    long outOfOrderMs = options.outOfOrderness().toMillis();
    long maxFutureMs = options.maxFuture().toMillis();
    return WatermarkStrategy.<IngestRecord>forGenerator(
            ctx -> new Generator(outOfOrderMs, maxFutureMs))
        .withTimestampAssigner((record, kafkaTs) -> timestampOf(record))
        .withIdleness(options.idleness());
  }

  /** Event time of a decoded record, {@link Long#MIN_VALUE} otherwise. */
  static long timestampOf(IngestRecord record) {
    return record.isDecoded() ? record.event().getEventTimeMs() : Long.MIN_VALUE;
  }

  /** Bounded out-of-orderness that skips timestamps too far in the future. */
  static final class Generator implements WatermarkGenerator<IngestRecord> {
    private final long outOfOrderMs;
    private final long maxFutureMs;
    private long maxTimestamp = Long.MIN_VALUE;

    Generator(long outOfOrderMs, long maxFutureMs) {
      this.outOfOrderMs = outOfOrderMs;
      this.maxFutureMs = maxFutureMs;
    }

    @Override
    public void onEvent(IngestRecord record, long timestamp, WatermarkOutput output) {
      if (timestamp == Long.MIN_VALUE
          || EventGate.isTooFarAhead(
              timestamp, maxTimestamp, System.currentTimeMillis(), maxFutureMs)) {
        return;
      }
      maxTimestamp = Math.max(maxTimestamp, timestamp);
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      if (maxTimestamp != Long.MIN_VALUE) {
        output.emitWatermark(new Watermark(maxTimestamp - outOfOrderMs - 1));
      }
    }

    long maxTimestamp() {
      return maxTimestamp;
    }
  }
}
