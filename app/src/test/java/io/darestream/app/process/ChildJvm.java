package io.darestream.app.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started from this test JVM's class path (so it runs the code under test), with its output
 * in a file. {@link #kill()} is SIGKILL on Linux ({@link Process#destroyForcibly()}): the child
 * gets no chance to clean up, as with {@code kill -9}. Every child still alive is killed when this
 * JVM exits, even if a test forgets to.
 */
public final class ChildJvm implements AutoCloseable {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kill-child-jvms"));
  }

  /** JVM options every child gets: the Vector API and trust in the project's Avro classes. */
  public static final List<String> PROJECT_JVM_OPTIONS =
      List.of(
          "--add-modules",
          "jdk.incubator.vector",
          "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.darestream");

  private final String name;
  private final Process process;
  private final Path output;

  private ChildJvm(String name, Process process, Path output) {
    this.name = name;
    this.process = process;
    this.output = output;
  }

  /**
   * Starts {@code mainClass} with {@code args} in a new JVM.
   *
   * @param name for its output file ({@code <outputDir>/<name>.out}, appended to)
   * @param jvmOptions options besides {@link #PROJECT_JVM_OPTIONS} (heap, system properties)
   */
  public static ChildJvm start(
      String name, Path outputDir, List<String> jvmOptions, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(PROJECT_JVM_OPTIONS);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    try {
      Files.createDirectories(outputDir);
      Path out = outputDir.resolve(name + ".out");
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
              .start();
      LIVE.add(p);
      p.onExit().thenRun(() -> LIVE.remove(p));
      return new ChildJvm(name, p, out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills it with SIGKILL and waits until it is gone; returns its exit status. */
  public int kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " (pid " + pid() + ") survived SIGKILL for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing " + name, e);
    }
    return process.exitValue();
  }

  /** Its output so far (stdout and stderr). */
  public String output() {
    try {
      return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last {@code lines} lines of its output, for failure messages. */
  public String tail(int lines) {
    List<String> all = output().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
