package io.darestream.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.testing.KafkaBrokerExtension;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The train client's broker probe: silent when a broker answers, one warning when none does. */
class BrokerProbeITCase {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void aBrokerThatAnswersGivesNoWarning() {
    assertThat(BrokerProbe.unreachableWarning(KAFKA.bootstrapServers(), Duration.ofSeconds(10)))
        .isNull();
  }

  @Test
  void aPortWithoutABrokerGivesOneWarningAfterTheTimeout() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String warning = BrokerProbe.unreachableWarning("127.0.0.1:" + closed, Duration.ofSeconds(2));
    assertThat(warning)
        .startsWith("warning: no Kafka broker at 127.0.0.1:" + closed + " answered within 2 s")
        .contains("the job starts anyway")
        .doesNotContain("\n");
  }

  @Test
  void anAddressThatCannotBeUsedGivesAWarning() {
    assertThat(BrokerProbe.unreachableWarning("no-port-here", Duration.ofSeconds(2)))
        .startsWith("warning: cannot use Kafka bootstrap servers no-port-here: ")
        .contains("bootstrap.servers")
        .doesNotContain("Failed to create new KafkaAdminClient");
  }
}
