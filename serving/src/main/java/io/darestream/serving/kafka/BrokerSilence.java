package io.darestream.serving.kafka;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions of one feed the brokers have stopped answering for, and since when: records from
 * a partition and a probe's answer for it count as answers; a probe that finds it silent makes it
 * silent unless records came from it after the probe was asked. Written by the tailer's thread
 * only; {@link #describe} and {@link #seconds} may be read from any thread.
 */
final class BrokerSilence {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerSilence.class);

  /** What other threads read: the silent partitions with their last answer, and why. */
  private record Published(Map<TopicPartition, Long> silentSinceMs, String why, int partitions) {
    static final Published NONE = new Published(Map.of(), "", 0);
  }

  private final String topic;
  private final Map<TopicPartition, Long> lastAnswerMs = new HashMap<>();
  private final Map<TopicPartition, Long> silentSinceMs = new HashMap<>();
  private String why = "";
  private volatile Published published = Published.NONE;

  BrokerSilence(String topic) {
    this.topic = topic;
  }

  /** The tailer was assigned {@code partitions}: the brokers answered for all of them. */
  void assigned(Collection<TopicPartition> partitions, long nowMs) {
    lastAnswerMs.clear();
    silentSinceMs.clear();
    answered(partitions, nowMs);
  }

  /** Records came from {@code partitions}. */
  void answered(Collection<TopicPartition> partitions, long nowMs) {
    for (TopicPartition tp : partitions) {
      lastAnswerMs.put(tp, nowMs);
    }
    if (!silentSinceMs.isEmpty()) {
      Set<TopicPartition> was = Set.copyOf(silentSinceMs.keySet());
      if (silentSinceMs.keySet().removeAll(partitions)) {
        publish(was);
      }
    }
  }

  /**
   * A probe asked at {@code askedMs} came back: the brokers answered for every partition but those
   * in {@code silent} (with why).
   */
  void probed(Map<TopicPartition, String> silent, long askedMs, long nowMs) {
    Map<TopicPartition, Long> before = Map.copyOf(silentSinceMs);
    String whyBefore = why;
    for (TopicPartition tp : lastAnswerMs.keySet()) {
      String cause = silent.get(tp);
      long last = lastAnswerMs.get(tp);
      if (cause == null) {
        lastAnswerMs.put(tp, nowMs);
        silentSinceMs.remove(tp);
      } else if (last < askedMs) {
        // Records that came after the question are an answer: only then is the silence news.
        silentSinceMs.putIfAbsent(tp, last);
        why = cause;
      }
    }
    if (!before.equals(silentSinceMs) || !why.equals(whyBefore)) {
      publish(before.keySet());
    }
  }

  /** A probe asked at {@code askedMs} got no answer at all, for the reason given. */
  void unanswered(String reason, long askedMs, long nowMs) {
    Map<TopicPartition, String> all = new HashMap<>();
    for (TopicPartition tp : lastAnswerMs.keySet()) {
      all.put(tp, reason);
    }
    probed(all, askedMs, nowMs);
  }

  /** Forgets everything (the tailer stopped: it says so otherwise). */
  void clear() {
    lastAnswerMs.clear();
    silentSinceMs.clear();
    published = Published.NONE;
  }

  /**
   * Why the feed gets nothing from some or all partitions: since how long, which partitions (when
   * not all) and the last reason; empty while the brokers answer for every partition.
   */
  Optional<String> describe(long nowMs) {
    Published p = published;
    if (p.silentSinceMs().isEmpty()) {
      return Optional.empty();
    }
    String which =
        p.silentSinceMs().size() == p.partitions()
            ? ""
            : "partition"
                + (p.silentSinceMs().size() == 1 ? " " : "s ")
                + p.silentSinceMs().keySet().stream()
                    .map(TopicPartition::partition)
                    .sorted()
                    .map(String::valueOf)
                    .collect(Collectors.joining(", "))
                + " of "
                + p.partitions()
                + ": ";
    return Optional.of(
        which + "no answer from Kafka for " + silentMs(p, nowMs) / 1000 + " s (" + p.why() + ")");
  }

  /** Seconds since the longest-silent partition last answered; 0 while all answer. */
  double seconds(long nowMs) {
    Published p = published;
    return p.silentSinceMs().isEmpty() ? 0 : silentMs(p, nowMs) / 1000.0;
  }

  private static long silentMs(Published p, long nowMs) {
    return Math.max(0, nowMs - oldestMs(p));
  }

  /** When the longest-silent partition last answered (only while some partition is silent). */
  private static long oldestMs(Published p) {
    return p.silentSinceMs().values().stream().min(Comparator.naturalOrder()).orElseThrow();
  }

  /** Publishes the silence for other threads; logs what changed since {@code was} was silent. */
  private void publish(Set<TopicPartition> was) {
    Published now = new Published(Map.copyOf(silentSinceMs), why, lastAnswerMs.size());
    published = now;
    Set<TopicPartition> silent = now.silentSinceMs().keySet();
    if (silent.isEmpty()) {
      if (!was.isEmpty()) {
        LOG.info("Kafka answers the tailer of {} again", topic);
      }
    } else if (!was.containsAll(silent)) {
      LOG.warn(
          "No answer from Kafka for the tailer of {} since {} ({} of {} partitions): {}; serving"
              + " what it has",
          topic,
          Instant.ofEpochMilli(oldestMs(now)),
          silent.size(),
          now.partitions(),
          why);
    } else if (silent.size() < was.size()) {
      LOG.info(
          "Kafka answers the tailer of {} again for some partitions; {} of {} still silent",
          topic,
          silent.size(),
          now.partitions());
    }
  }
}
