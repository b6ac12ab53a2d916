package io.darestream.kafka.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates topics and waits until they can take writes. Works against any Kafka, embedded or not.
 *
 * <p>Why wait: right after {@code createTopics} returns, partitions may not have a leader yet; a
 * producer writing then gets {@code NOT_LEADER_OR_FOLLOWER} and, with idempotence, can end in
 * {@code OutOfOrderSequenceException} and lost records.
 */
public final class Topics {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private Topics() {}

  /**
   * Creates the topics that do not exist yet and waits until every partition of every topic in
   * {@code topics} has a leader.
   *
   * @throws IllegalStateException if creation fails or leaders are missing after {@code timeout}
   */
  public static void ensure(Admin admin, Collection<NewTopic> topics, Duration timeout) {
    if (topics.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      create(admin, topics, timeout);
      List<String> names = topics.stream().map(NewTopic::name).toList();
      while (!allHaveLeaders(admin, names, timeout)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Topics " + names + " have partitions without a leader after " + timeout);
        }
        // Metadata propagation is asynchronous; a short park is the only way to wait for it.
        LockSupport.parkNanos(POLL_NANOS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating topics", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Admin request timed out after " + timeout, e);
    }
  }

  private static void create(Admin admin, Collection<NewTopic> topics, Duration timeout)
      throws InterruptedException, TimeoutException {
    var futures = admin.createTopics(topics).values();
    List<String> failures = new ArrayList<>();
    for (var entry : futures.entrySet()) {
      try {
        entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          failures.add(entry.getKey() + ": " + e.getCause());
        }
      }
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("Cannot create topics: " + failures);
    }
  }

  private static boolean allHaveLeaders(Admin admin, List<String> names, Duration timeout)
      throws InterruptedException, TimeoutException {
    Map<String, TopicDescription> descriptions;
    try {
      descriptions =
          admin
              .describeTopics(names)
              .allTopicNames()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false; // created but not yet visible in this broker's metadata
      }
      throw new IllegalStateException("Cannot describe topics " + names, e.getCause());
    }
    for (TopicDescription description : descriptions.values()) {
      for (TopicPartitionInfo partition : description.partitions()) {
        if (partition.leader() == null || partition.leader().isEmpty()) {
          return false;
        }
      }
    }
    return true;
  }
}
