package io.darestream.jobs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Where a bench's time goes, without a profiler: for a measurement window, the process CPU and, per
 * group of threads, the time they ran and the time they were ready to run but waited for a core
 * (Linux {@code /proc/self/task/<tid>/schedstat}; JIT and GC threads included). A group is the
 * kernel's thread name (a Java name's first 15 characters) with its digits replaced by {@code #},
 * so every subtask and pool thread of one kind adds up; a thread that neither ran nor waited was
 * idle (blocked, parked, sleeping). Threads are sighted every second, so one that ends inside the
 * window (a Flink task when its job finishes) counts up to its last sighting; what is lost that way
 * shows as the gap between the process total and the groups' sum. Linux only.
 */
final class ThreadCpuWindow {
  private static final Path TASKS = Path.of("/proc/self/task");
  private static final long SIGHTING_INTERVAL_MS = 1000;

  private final long startNanos = System.nanoTime();
  private final long startProcessCpu = processCpuNanos();
  private final Map<String, long[]> start = new HashMap<>();
  // Every thread's {ran, waited} nanoseconds at its last sighting, and its group, by tid (the
  // sighting thread only, until it has been joined).
  private final Map<String, long[]> last = new HashMap<>();
  private final Map<String, String> groups = new HashMap<>();
  private final Thread sighter;
  private volatile boolean running = true;

  private ThreadCpuWindow() {
    sight();
    start.putAll(last);
    sighter = new Thread(this::sightUntilStopped, "thread-cpu-window");
    sighter.setDaemon(true);
    sighter.start();
  }

  /** Starts a window now. */
  static ThreadCpuWindow start() {
    return new ThreadCpuWindow();
  }

  /** The window's figures from its start until now. */
  Result stop() throws InterruptedException {
    running = false;
    sighter.join();
    sight();
    long wall = System.nanoTime() - startNanos;
    long process = processCpuNanos() - startProcessCpu;
    Map<String, Group> byGroup = new HashMap<>();
    last.forEach(
        (tid, now) -> {
          long[] was = start.getOrDefault(tid, new long[2]);
          byGroup.merge(
              groups.get(tid), new Group(1, now[0] - was[0], now[1] - was[1]), Group::plus);
        });
    Map<String, Group> sorted = new LinkedHashMap<>();
    byGroup.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue().ranNanos(), a.getValue().ranNanos()))
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return new Result(wall, process, sorted);
  }

  /** Wall and CPU nanoseconds of a window; {@code groups} by the time they ran, largest first. */
  record Result(long wallNanos, long processCpuNanos, Map<String, Group> groups) {}

  /** A group's threads, the nanoseconds they ran and those they waited for a core. */
  record Group(int threads, long ranNanos, long waitedNanos) {
    Group plus(Group o) {
      return new Group(threads + o.threads, ranNanos + o.ranNanos, waitedNanos + o.waitedNanos);
    }
  }

  private void sightUntilStopped() {
    while (running) {
      sight();
      LockSupport.parkNanos(SIGHTING_INTERVAL_MS * 1_000_000);
    }
  }

  private void sight() {
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        String tid = task.getFileName().toString();
        try {
          String name = Files.readString(task.resolve("comm")).strip();
          String[] stat = Files.readString(task.resolve("schedstat")).strip().split(" ");
          last.put(tid, new long[] {Long.parseLong(stat[0]), Long.parseLong(stat[1])});
          groups.put(tid, name.replaceAll("[0-9]+", "#"));
        } catch (NoSuchFileException e) {
          // ended between the listing and the read: its last sighting stands
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + TASKS + " (Linux only)", e);
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
