package io.darestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Avro reads its limit properties once, when the class that checks them is initialised; whether the
 * codecs set them in time can only be seen in a fresh JVM.
 */
class AvroSystemLimitsTest {
  @Test
  void aPlainAvroReaderInAProcessWithACodecRefusesAHugeString()
      throws IOException, InterruptedException {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(java, "-Xmx64m", "-cp", classpath, AvroLimitsProbe.class.getName())
            .redirectErrorStream(true)
            .start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
    List<String> lines =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines()
            .toList();

    assertThat(process.exitValue()).as("probe output %s", lines).isZero();
    assertThat(lines).contains("property=null");
    // Avro's own default is about 2 GB: refusing 100 MB shows the codec's ceiling is in force.
    assertThat(lines)
        .contains("plain=SystemLimitException: String length 100000000 exceeds maximum allowed");
  }
}
