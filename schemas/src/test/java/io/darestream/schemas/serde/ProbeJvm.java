package io.darestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a probe's {@code main} in a fresh JVM on the test class path, for what Avro decides once per
 * JVM (properties read when a class is initialised), and returns the lines it printed.
 */
final class ProbeJvm {
  private ProbeJvm() {}

  /** Runs {@code probe} with {@code jvmArgs}; asserts that it finished in time with status 0. */
  static List<String> run(Class<?> probe, String... jvmArgs)
      throws IOException, InterruptedException {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmArgs));
    command.addAll(List.of("-cp", classpath, probe.getName()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
    List<String> lines =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines()
            .toList();
    assertThat(process.exitValue()).as("probe output %s", lines).isZero();
    return lines;
  }
}
