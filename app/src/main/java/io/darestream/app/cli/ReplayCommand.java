package io.darestream.app.cli;

import io.darestream.app.replay.EventSource;
import io.darestream.app.replay.KafkaCheck;
import io.darestream.app.replay.KafkaReplayer;
import io.darestream.app.replay.Pacer;
import io.darestream.app.replay.ProgressLine;
import io.darestream.app.replay.ReplayListener;
import io.darestream.app.replay.ReplayResult;
import io.darestream.app.replay.Units;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code replay}: writes an event file or a generated stream to a Kafka topic. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replays an event file (Taobao UserBehavior, MovieLens ratings, JSON lines) or a generated"
          + " stream into Kafka: key = user id, value = Avro BehaviorEvent.",
      "Files are sorted by event time first unless --order file (see --order).",
      ""
    })
public final class ReplayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bootstrap-servers",
      defaultValue = "localhost:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrapServers;

  @Option(
      names = "--topic",
      defaultValue = "behavior-events",
      description = "Topic to write (default: ${DEFAULT-VALUE}; must exist).")
  String topic;

  @Mixin DatasetOptions dataset;

  @ArgGroup(exclusive = true)
  PaceOptions pace;

  @Option(
      names = "--kafka-property",
      paramLabel = "KEY=VALUE",
      description = "Extra producer property (security settings and the like); repeatable.")
  Map<String, String> kafkaProperties = new LinkedHashMap<>();

  /** Either a maximum rate or an event-time speed-up; unlimited without both. */
  static final class PaceOptions {
    @Option(
        names = "--rate",
        paramLabel = "EVENTS_PER_S",
        description = "At most this many events per second (0: unlimited).")
    Double rate;

    @Option(
        names = "--speed-up",
        paramLabel = "FACTOR",
        description = "Replay event time FACTOR times faster than it happened (1 = real time).")
    Double speedUp;

    Pacer pacer() {
      try {
        if (rate != null) {
          return rate == 0 ? Pacer.unlimited() : Pacer.maxRate(rate);
        }
        return Pacer.speedUp(speedUp);
      } catch (IllegalArgumentException e) {
        throw new CliException(e.getMessage());
      }
    }
  }

  /** How long a broker may take to answer before the replay gives up with one line. */
  static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(15);

  /** Skipped input lines printed with their reason at the end of a replay. */
  static final int SKIP_LINES_SHOWN = 5;

  @Override
  public Integer call() {
    dataset.validate();
    Pacer pacer = pace == null ? Pacer.unlimited() : pace.pacer();
    PrintWriter err = spec.commandLine().getErr();
    try {
      KafkaCheck.requireTopics(bootstrapServers, List.of(topic), KAFKA_CHECK_TIMEOUT);
    } catch (IllegalStateException e) {
      throw new CliException(e.getMessage());
    }
    ProgressLine line = ProgressLine.on(err);
    EventSource source =
        dataset.open(
            n -> line.update("replay: sorting by event time, " + Units.count(n) + " read"));
    line.finish(
        String.format(
            Locale.ROOT, "replay: %s -> %s @ %s", source.description(), topic, bootstrapServers));
    long total = source.total();
    long start = System.nanoTime();
    ReplayListener listener =
        (sent, acked, eventTime) -> {
          if (line.due() && eventTime != Long.MIN_VALUE) {
            line.update(progressText(sent, total, start, eventTime));
          }
        };
    ReplayResult result;
    try (KafkaReplayer replayer = new KafkaReplayer(bootstrapServers, topic, kafkaProperties)) {
      result = replayer.replay(source, pacer, listener);
    }
    line.finish(
        String.format(
            Locale.ROOT,
            "replay: done: %,d events sent, %,d acknowledged, %,d malformed lines skipped, in %s"
                + " (%s events/s)",
            result.sent(),
            result.acknowledged(),
            result.skipped(),
            Units.duration(result.seconds()),
            Units.count(result.eventsPerSecond())));
    result.skipLines(SKIP_LINES_SHOWN).forEach(skip -> err.println("replay: " + skip));
    err.flush();
    if (result.sent() == 0 && result.skipped() > 0) {
      throw new CliException(
          "no event sent: every line of " + source.description() + " is malformed (above)");
    }
    return 0;
  }

  static String progressText(long sent, long total, long startNanos, long eventTimeMs) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double rate = seconds > 0 ? sent / seconds : 0;
    String of =
        total > 0
            ? String.format(Locale.ROOT, " / %s (%.0f%%)", Units.count(total), 100.0 * sent / total)
            : "";
    String eta = total > 0 ? " | ETA " + Units.duration(Units.eta(total - sent, rate)) : "";
    return String.format(
        Locale.ROOT,
        "replay: %s%s events | %s/s%s | event time %s",
        Units.count(sent),
        of,
        Units.count(rate),
        eta,
        Units.eventTime(eventTimeMs));
  }
}
