package io.darestream.jobs.kafka;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Asks the brokers, from the client that starts the job, whether they answer. A job whose brokers
 * cannot be reached retries without end and says so only in its log; the client can at least say it
 * on the terminal. Only a warning: under {@code flink run} the brokers may be reachable from the
 * TaskManagers and not from the client.
 */
public final class BrokerProbe {
  private BrokerProbe() {}

  /**
   * The warning to print when no broker at {@code bootstrapServers} answers within {@code timeout},
   * or null when one does.
   */
  public static String unreachableWarning(String bootstrapServers, Duration timeout) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "dare-train-probe");
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return null;
    } catch (TimeoutException | ExecutionException e) {
      return "warning: no Kafka broker at "
          + bootstrapServers
          + " answered within "
          + timeout.toSeconds()
          + " s; the job starts anyway and keeps retrying (its log says so). If the brokers are"
          + " reachable only from the cluster, ignore this; otherwise check"
          + " --bootstrap-servers.";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (org.apache.kafka.common.KafkaException e) {
      // A bootstrap address that does not resolve at all fails in the constructor.
      // The client's own message is "Failed to create new KafkaAdminClient"; the cause says why.
      Throwable why = e.getCause() != null ? e.getCause() : e;
      return "warning: cannot use Kafka bootstrap servers "
          + bootstrapServers
          + ": "
          + why.getMessage()
          + "; the job starts anyway.";
    }
  }
}
