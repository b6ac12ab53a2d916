package io.darestream.jobs.ingest;

import io.darestream.jobs.serde.AvroRecordSerializer;
import io.darestream.schemas.avro.DeadLetter;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Lets valid events through and sends every other record to the {@link #DEAD_LETTERS} side output,
 * with its reason. Never throws on bad input: a poison record must not restart the job.
 *
 * <p>Metrics (operator scope): {@code eventsIn}, {@code eventsInPerSecond}, {@code eventsAccepted},
 * {@code deadLetters} and, per reason code, {@code reason.<code>.deadLetters}.
 */
public final class IngestFunction extends ProcessFunction<IngestRecord, IngestedEvent>
    implements ResultTypeQueryable<IngestedEvent> {
  private static final long serialVersionUID = 1L;

  /** Side output of rejected records. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", AvroRecordSerializer.typeInfo(DeadLetter.class));

  private final EventGate gate;

  private transient Counter eventsIn;
  private transient Counter accepted;
  private transient Counter deadLetters;
  private transient Map<String, Counter> deadLettersByReason;
  private transient MetricGroup metrics;

  public IngestFunction(EventGate gate) {
    this.gate = gate;
  }

  @Override
  public TypeInformation<IngestedEvent> getProducedType() {
    // Explicit: Flink would otherwise look for flink-avro (absent) for the Avro event inside.
    return IngestedEventSerializer.TYPE_INFO;
  }

  @Override
  public void open(OpenContext openContext) {
    metrics = getRuntimeContext().getMetricGroup();
    eventsIn = metrics.counter("eventsIn");
    metrics.meter("eventsInPerSecond", new MeterView(eventsIn));
    accepted = metrics.counter("eventsAccepted");
    deadLetters = metrics.counter("deadLetters");
    deadLettersByReason = new HashMap<>();
  }

  @Override
  public void processElement(IngestRecord record, Context ctx, Collector<IngestedEvent> out) {
    eventsIn.inc();
    EventGate.Verdict verdict =
        gate.check(
            record,
            ctx.timerService().currentWatermark(),
            ctx.timerService().currentProcessingTime());
    if (verdict.accepted()) {
      accepted.inc();
      long kafkaTime = record.kafkaTimestampMs();
      long ingestTime = kafkaTime >= 0 ? kafkaTime : ctx.timerService().currentProcessingTime();
      out.collect(new IngestedEvent(verdict.event(), ingestTime));
    } else {
      deadLetters.inc();
      reasonCounter(verdict.deadLetter().getReasonCode()).inc();
      ctx.output(DEAD_LETTERS, verdict.deadLetter());
    }
  }

  private Counter reasonCounter(String code) {
    // Reason codes are a small closed set, so one counter per code stays bounded.
    return deadLettersByReason.computeIfAbsent(
        code, c -> metrics.addGroup("reason", c).counter("deadLetters"));
  }
}
