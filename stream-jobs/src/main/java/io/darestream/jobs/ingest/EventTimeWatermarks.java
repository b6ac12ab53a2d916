package io.darestream.jobs.ingest;

import io.darestream.jobs.config.IngestOptions;
import io.darestream.schemas.validate.EventPolicy;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event-time watermarks of the events source: bounded out-of-orderness per Kafka partition, idle
 * partitions ignored after a while, and the {@link EventPolicy}'s clock rule: only events the gate
 * would not refuse for their fields or as from the future move the watermark, and each at most up
 * to its record's time ({@link EventPolicy#clockContribution}).
 *
 * <p>Why: a single event stamped in the year 2100 would otherwise push the watermark there, and
 * every later event would look late; and events each accepted just under max-future ahead would
 * walk it forward step by step. Records that did not decode carry {@link Long#MIN_VALUE} and are
 * ignored too; these end in the dead-letter topic.
 */
public final class EventTimeWatermarks {
  private EventTimeWatermarks() {}

  /** The strategy for {@code fromSource(kafkaSource, strategy, name)}. */
  public static WatermarkStrategy<IngestRecord> strategy(IngestOptions options) {
    EventPolicy policy = options.policy();
    return WatermarkStrategy.<IngestRecord>forGenerator(
            ctx -> new Generator(policy, System::currentTimeMillis))
        .withTimestampAssigner((record, kafkaTs) -> timestampOf(record))
        .withIdleness(options.idleness());
  }

  /** Event time of a decoded record, {@link Long#MIN_VALUE} otherwise. */
  static long timestampOf(IngestRecord record) {
    return record.isDecoded() ? record.event().getEventTimeMs() : Long.MIN_VALUE;
  }

  /** Bounded out-of-orderness over the policy's stream clock. */
  static final class Generator implements WatermarkGenerator<IngestRecord> {
    private final EventPolicy policy;
    private final LongSupplier wallClock;
    private long clock = Long.MIN_VALUE;

    Generator(EventPolicy policy, LongSupplier wallClock) {
      this.policy = policy;
      this.wallClock = wallClock;
    }

    @Override
    public void onEvent(IngestRecord record, long timestamp, WatermarkOutput output) {
      if (timestamp == Long.MIN_VALUE) {
        return;
      }
      long reference = EventPolicy.referenceTime(record.kafkaTimestampMs(), wallClock.getAsLong());
      if (policy.advancesClock(record.event(), reference)) {
        clock = Math.max(clock, policy.clockContribution(timestamp, reference));
      }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      if (clock != Long.MIN_VALUE) {
        output.emitWatermark(new Watermark(policy.watermark(clock)));
      }
    }

    long clock() {
      return clock;
    }
  }
}
