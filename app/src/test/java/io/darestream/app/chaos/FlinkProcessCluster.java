package io.darestream.app.chaos;

import io.darestream.app.process.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * A Flink session cluster of real processes started from the test class path: one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}) that
 * can be killed with SIGKILL and replaced, all reading one generated {@code config.yaml} (RocksDB,
 * fixed-delay restarts, fast heartbeats so that a dead TaskManager is noticed in seconds). Closing
 * it kills every process it started.
 */
final class FlinkProcessCluster implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Path dir;
  private final Path confDir;
  private final int restPort;
  private final ChildJvm jobManager;
  private final List<ChildJvm> taskManagers = new ArrayList<>();
  private ChildJvm taskManager;
  private int started;

  private FlinkProcessCluster(Path dir, Path confDir, int restPort, ChildJvm jobManager) {
    this.dir = dir;
    this.confDir = confDir;
    this.restPort = restPort;
    this.jobManager = jobManager;
  }

  /** Writes the configuration, starts the JobManager and waits until its REST API answers. */
  static FlinkProcessCluster start(Path dir, Map<String, String> extraConfig) {
    int rpcPort = freePort();
    int restPort = freePort();
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.rpc.port", Integer.toString(rpcPort));
    c.put("jobmanager.bind-host", "localhost");
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("rest.port", Integer.toString(restPort));
    c.put("taskmanager.host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.numberOfTaskSlots", "2");
    c.put("jobmanager.memory.process.size", "1g");
    // What Flink's start scripts compute and pass to a TaskManager; started directly it needs them
    // resolved (the JVM options below match: heap = framework + task heap, direct >= off-heap +
    // network).
    c.put("taskmanager.cpu.cores", "2");
    c.put("taskmanager.memory.framework.heap.size", "128m");
    c.put("taskmanager.memory.task.heap.size", "448m");
    c.put("taskmanager.memory.framework.off-heap.size", "128m");
    c.put("taskmanager.memory.task.off-heap.size", "0m");
    c.put("taskmanager.memory.network.min", "64m");
    c.put("taskmanager.memory.network.max", "64m");
    c.put("taskmanager.memory.managed.size", "256m");
    c.put("taskmanager.memory.jvm-metaspace.size", "256m");
    c.put("taskmanager.memory.jvm-overhead.min", "192m");
    c.put("taskmanager.memory.jvm-overhead.max", "192m");
    c.put("state.backend.type", "rocksdb");
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "1000");
    c.put("restart-strategy.fixed-delay.delay", "1 s");
    // A SIGKILLed TaskManager is noticed by failed heartbeat RPCs (2 in a row) within seconds;
    // the timeout only matters for one that hangs.
    c.put("heartbeat.interval", "1000");
    c.put("heartbeat.timeout", "15000");
    c.put("io.tmp.dirs", dir.resolve("tm-tmp").toString());
    c.put(
        "env.java.opts.all",
        "--add-modules jdk.incubator.vector -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.darestream");
    c.putAll(extraConfig);
    Path conf = dir.resolve("conf");
    try {
      Files.createDirectories(conf);
      Files.createDirectories(dir.resolve("tm-tmp"));
      StringBuilder yaml = new StringBuilder();
      c.forEach((k, v) -> yaml.append(k).append(": ").append(yamlValue(v)).append('\n'));
      Files.writeString(conf.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChildJvm jm =
        ChildJvm.start(
            "jobmanager",
            dir,
            List.of("-Xmx512m"),
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            List.of("--configDir", conf.toString()));
    FlinkProcessCluster cluster = new FlinkProcessCluster(dir, conf, restPort, jm);
    try {
      Awaitility.await("the JobManager's REST API")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .failFast("the JobManager died:\n" + jm.tail(40), () -> !jm.isAlive())
          .until(() -> cluster.get("/overview") == 200);
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private static String yamlValue(String v) {
    return v.contains(" ") || v.contains(":") ? "\"" + v.replace("\"", "\\\"") + "\"" : v;
  }

  /** Starts a new TaskManager process (the previous one must be dead or killed). */
  synchronized ChildJvm startTaskManager() {
    started++;
    taskManager =
        ChildJvm.start(
            "taskmanager-" + started,
            dir,
            List.of("-Xmx576m", "-XX:MaxDirectMemorySize=256m"),
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
            List.of("--configDir", confDir.toString()));
    taskManagers.add(taskManager);
    return taskManager;
  }

  /** Kills the current TaskManager with SIGKILL. */
  synchronized void killTaskManager() {
    taskManager.kill();
  }

  /** TaskManagers started so far. */
  synchronized int taskManagersStarted() {
    return started;
  }

  int restPort() {
    return restPort;
  }

  ChildJvm jobManager() {
    return jobManager;
  }

  private int get(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills every process of the cluster (TaskManagers first). */
  @Override
  public synchronized void close() {
    for (ChildJvm tm : taskManagers) {
      tm.close();
    }
    jobManager.close();
  }
}
