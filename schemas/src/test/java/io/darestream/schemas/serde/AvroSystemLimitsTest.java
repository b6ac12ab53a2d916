package io.darestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Avro reads its limit properties once, when the class that checks them is initialised; whether the
 * codecs set them in time can only be seen in a fresh JVM.
 */
class AvroSystemLimitsTest {
  @Test
  void aPlainAvroReaderInAProcessWithACodecRefusesAHugeString()
      throws IOException, InterruptedException {
    List<String> lines = ProbeJvm.run(AvroLimitsProbe.class, "-Xmx64m");

    assertThat(lines).contains("property=null");
    // Avro's own default is about 2 GB: refusing 100 MB shows the codec's ceiling is in force.
    assertThat(lines)
        .contains("plain=SystemLimitException: String length 100000000 exceeds maximum allowed");
  }
}
