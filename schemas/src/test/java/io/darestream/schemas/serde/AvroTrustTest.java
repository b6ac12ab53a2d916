package io.darestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Avro reads {@code org.apache.avro.SERIALIZABLE_PACKAGES} once, when its class validator is first
 * used; the test JVM has the property set (root pom), so the absent case runs in a child JVM.
 */
class AvroTrustTest {
  @Test
  void codecDecodesInAJvmWithoutThePropertyEvenAfterAvroInitialisedItsValidator()
      throws IOException, InterruptedException {
    List<String> lines = ProbeJvm.run(AvroTrustProbe.class);

    assertThat(lines).contains("property=null");
    // Without AvroTrust, Avro refuses the generated class: this is what the codec must fix.
    assertThat(lines).anyMatch(l -> l.startsWith("plain=") && l.contains("Forbidden"));
    assertThat(lines).contains("codec=probe-1,FAV");
  }

  @Test
  void projectClassesAreTrustedAndOthersAreNot() {
    assertThat(AvroTrust.isProjectClass(io.darestream.schemas.avro.BehaviorEvent.class)).isTrue();
    assertThat(AvroTrust.isProjectClass(String.class)).isFalse();
  }

  @Test
  void ensureKeepsExistingTrustedPackages() {
    String before = System.getProperty(AvroTrust.PROPERTY);
    try {
      System.setProperty(AvroTrust.PROPERTY, "com.example");
      AvroTrust.ensure();
      assertThat(System.getProperty(AvroTrust.PROPERTY)).isEqualTo("com.example,io.darestream");
      AvroTrust.ensure();
      assertThat(System.getProperty(AvroTrust.PROPERTY)).isEqualTo("com.example,io.darestream");
    } finally {
      if (before == null) {
        System.clearProperty(AvroTrust.PROPERTY);
      } else {
        System.setProperty(AvroTrust.PROPERTY, before);
      }
    }
  }
}
