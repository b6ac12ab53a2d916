package io.darestream.serving.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.serving.metrics.ServingMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/** A flood of bad records writes a bounded log: examples per reason, then counted summaries. */
class BadRecordLogTest {
  private long now = 1_000_000;
  private final List<String> lines = new ArrayList<>();
  private final BadRecordLog log = new BadRecordLog(3, 60_000, () -> now, lines::add);

  @Test
  void logsTheFirstFewPerReasonThenOneSummaryPerInterval() {
    for (int i = 0; i < 10_000; i++) {
      log.skipped("events", i % 2 == 0 ? "bad_header" : "empty", "events-0@" + i, "why " + i);
    }
    assertThat(lines).hasSize(6);
    assertThat(lines.get(0)).isEqualTo("Skipped events-0@0 [bad_header]: why 0");
    assertThat(lines.get(5)).contains("only counted");

    now += 59_999;
    log.flushIfDue();
    assertThat(lines).as("interval not over yet").hasSize(6);

    now += 1;
    log.flushIfDue();
    assertThat(lines).hasSize(7);
    assertThat(lines.get(6))
        .startsWith("Skipped 9,994 more bad records in the last 60 s")
        .contains("events bad_header=4,997;")
        .contains("events empty=4,997;");

    // A new interval shows examples again; nothing new to summarise writes nothing.
    log.skipped("events", "bad_header", "events-0@10000", "again");
    now += 60_000;
    log.flushIfDue();
    assertThat(lines).hasSize(8);
    assertThat(lines.get(7)).isEqualTo("Skipped events-0@10000 [bad_header]: again");
  }

  /** Through the feeds' own path: 10,000 bad records were 10,000 WARN lines before. */
  @Test
  void aFloodThroughBadRecordsWritesAFewLines() {
    List<String> warned = new CopyOnWriteArrayList<>();
    Logger logger = (Logger) LogManager.getContext(false).getLogger(BadRecords.class.getName());
    AbstractAppender capture =
        new AbstractAppender("capture-bad-records", null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent event) {
            warned.add(event.getMessage().getFormattedMessage());
          }
        };
    capture.start();
    logger.addAppender(capture);
    ((LoggerContext) LogManager.getContext(false)).updateLoggers();
    ServingMetrics metrics = new ServingMetrics();
    try {
      for (int i = 0; i < 10_000; i++) {
        BadRecords.skip(
            new ConsumerRecord<>("flood", 0, i, null, new byte[] {1}),
            "BAD_HEADER",
            "not a single-object record",
            metrics);
      }
    } finally {
      logger.removeAppender(capture);
    }

    assertThat(warned).hasSizeLessThanOrEqualTo(BadRecordLog.FULL_PER_REASON + 1);
    assertThat(warned).isNotEmpty();
    assertThat(metrics.badRecordCount("flood", "bad_header")).isEqualTo(10_000);
  }
}
