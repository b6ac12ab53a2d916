package io.darestream.jobs.testing;

import io.darestream.kafka.embedded.EmbeddedKafka;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded Kafka broker per test class, for the ITCases that run the job (or parts of it)
 * against real topics: the broker starts before the class's first test and stops after its last.
 * Runs of {@link JobReplay} get their own topics, groups and transactional ids, so the tests of a
 * class share the broker safely.
 *
 * <pre>{@code
 * @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
 * @TempDir static Path tmp;
 *
 * ReplayOutput out = KAFKA.replay(tmp).setEvents(events).build().run();
 * }</pre>
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {
  private EmbeddedKafka kafka;

  @Override
  public void beforeAll(ExtensionContext context) {
    kafka = EmbeddedKafka.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (kafka != null) {
      kafka.close();
      kafka = null;
    }
  }

  /** The running broker; only between the class's first and last test. */
  public EmbeddedKafka kafka() {
    if (kafka == null) {
      throw new IllegalStateException(
          "the broker runs only while the test class does: register the extension on a static"
              + " field");
    }
    return kafka;
  }

  /** The running broker's bootstrap servers. */
  public String bootstrapServers() {
    return kafka().bootstrapServers();
  }

  /** A replay against this broker, its run directories under {@code workDir}. */
  public JobReplay.Builder replay(Path workDir) {
    return JobReplay.builder().setKafka(kafka()).setWorkDir(workDir);
  }
}
