package io.darestream.serving.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link FeedProbe} through an {@link Admin} client of its own: the answer comes on the admin
 * client's thread, so the tailer keeps reading the partitions that answer while one that does not
 * (its leader away) is being asked about. The client connects on the first probe.
 */
public final class AdminFeedProbe implements FeedProbe {
  private final Properties properties;
  private final int timeoutMs;
  private Admin admin;

  /** A probe on the brokers of {@code settings}, each answer awaited at most {@code timeout}. */
  public AdminFeedProbe(KafkaSettings settings, String clientId, Duration timeout) {
    this.properties = settings.adminProperties(clientId);
    this.timeoutMs = Math.toIntExact(timeout.toMillis());
  }

  @Override
  public CompletableFuture<?> ask(
      Consumer<byte[], byte[]> consumer, Set<TopicPartition> partitions) {
    if (admin == null) {
      admin = Admin.create(properties);
    }
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicPartition tp : partitions) {
      latest.put(tp, OffsetSpec.latest());
    }
    return admin
        .listOffsets(latest, new ListOffsetsOptions().timeoutMs(timeoutMs))
        .all()
        .toCompletionStage()
        .toCompletableFuture();
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
      admin = null;
    }
  }

  /** The properties an admin client takes from {@code consumer} properties. */
  static Properties adminOnly(Properties consumer) {
    Properties p = new Properties();
    Set<String> known = AdminClientConfig.configNames();
    for (String key : consumer.stringPropertyNames()) {
      if (known.contains(key)) {
        p.put(key, consumer.getProperty(key));
      }
    }
    return p;
  }
}
