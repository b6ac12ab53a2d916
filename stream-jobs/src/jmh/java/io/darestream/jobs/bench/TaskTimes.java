package io.darestream.jobs.bench;

import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;

/**
 * Every task's accumulated busy, back-pressured and idle time (Flink's {@code accumulate*TimeMs}
 * gauges), read in the bench's own JVM through Flink's {@link InMemoryReporter}: busy is processing
 * (or waiting for a core), back-pressured is waiting for an output buffer, idle is waiting for
 * input. Read at a window's start and end, they say which task holds the others back.
 */
final class TaskTimes {
  private final InMemoryReporter reporter = InMemoryReporter.createWithRetainedMetrics();

  /** Busy, back-pressured and idle milliseconds of one task. */
  record Times(long busyMs, long backPressuredMs, long idleMs) {
    static final Times ZERO = new Times(0, 0, 0);

    Times minus(Times o) {
      return new Times(busyMs - o.busyMs, backPressuredMs - o.backPressuredMs, idleMs - o.idleMs);
    }
  }

  /** Adds the reporter to the configuration of the job's MiniCluster. */
  void install(Configuration c) {
    reporter.addToConfiguration(c);
  }

  /** Every task's times since it started, by "task name (subtask index)". */
  Map<String, Times> read() {
    Map<String, Times> out = new TreeMap<>();
    reporter
        .getMetricsByGroup()
        .forEach(
            (group, metrics) -> {
              Metric busy = metrics.get("accumulateBusyTimeMs");
              Metric back = metrics.get("accumulateBackPressuredTimeMs");
              Metric idle = metrics.get("accumulateIdleTimeMs");
              if (busy != null && back != null && idle != null) {
                Map<String, String> v = group.getAllVariables();
                out.put(
                    v.get("<task_name>") + " (" + v.get("<subtask_index>") + ")",
                    new Times(value(busy), value(back), value(idle)));
              }
            });
    return out;
  }

  private static long value(Metric m) {
    return m instanceof Gauge<?> g && g.getValue() instanceof Number n ? n.longValue() : 0;
  }
}
