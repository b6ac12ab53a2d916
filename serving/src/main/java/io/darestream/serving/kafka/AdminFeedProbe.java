package io.darestream.serving.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
  public CompletableFuture<Map<TopicPartition, Throwable>> ask(
      Consumer<byte[], byte[]> consumer, Set<TopicPartition> partitions) {
    if (admin == null) {
      admin = Admin.create(properties);
    }
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicPartition tp : partitions) {
      latest.put(tp, OffsetSpec.latest());
    }
    ListOffsetsResult result =
        admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(timeoutMs));
    // Each partition's answer on its own: one whose leader is away fails alone.
    Map<TopicPartition, Throwable> silent = new ConcurrentHashMap<>();
    CompletableFuture<?>[] each = new CompletableFuture<?>[partitions.size()];
    int i = 0;
    for (TopicPartition tp : partitions) {
      each[i++] =
          result
              .partitionResult(tp)
              .toCompletionStage()
              .toCompletableFuture()
              .whenComplete(
                  (info, e) -> {
                    if (e != null) {
                      silent.put(tp, e instanceof CompletionException ce ? ce.getCause() : e);
                    }
                  });
    }
    return CompletableFuture.allOf(each).handle((ignored, e) -> Map.copyOf(silent));
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close(Duration.ZERO); // an answer still on its way is of no use any more
      admin = null;
    }
  }

  /**
   * The admin client's share of {@code consumer} properties: all but the consumer's own settings
   * (deserializers, fetch sizes, isolation), so that connection, security and config-provider
   * settings, whatever their keys, reach it as they reach the consumer.
   */
  static Properties adminOnly(Properties consumer) {
    Properties p = new Properties();
    Set<String> admin = AdminClientConfig.configNames();
    Set<String> consumerOnly = ConsumerConfig.configNames();
    for (String key : consumer.stringPropertyNames()) {
      if (admin.contains(key) || !consumerOnly.contains(key)) {
        p.put(key, consumer.getProperty(key));
      }
    }
    return p;
  }
}
