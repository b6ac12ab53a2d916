package io.darestream.app.replay;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Fails fast, with one clear line, when Kafka cannot be reached or a topic is missing: a producer
 * would otherwise block for a minute per send and then log a stack trace.
 */
public final class KafkaCheck {
  private KafkaCheck() {}

  /**
   * Checks that a broker at {@code bootstrapServers} answers within {@code timeout} and that every
   * topic in {@code topics} exists.
   *
   * @throws IllegalStateException naming what is wrong
   */
  public static void requireTopics(String bootstrapServers, List<String> topics, Duration timeout) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    long ms = timeout.toMillis();
    try (Admin admin = Admin.create(p)) {
      try {
        admin.describeCluster().nodes().get(ms, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        throw new IllegalStateException(
            "cannot reach Kafka at "
                + bootstrapServers
                + " (no broker answered within "
                + timeout.toSeconds()
                + " s)");
      }
      try {
        admin.describeTopics(topics).allTopicNames().get(ms, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          throw new IllegalStateException(
              "topic(s) " + topics + " do not all exist on " + bootstrapServers);
        }
        throw new IllegalStateException(
            "cannot describe topics " + topics + ": " + e.getCause().getMessage());
      } catch (TimeoutException e) {
        throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking Kafka", e);
    }
  }
}
