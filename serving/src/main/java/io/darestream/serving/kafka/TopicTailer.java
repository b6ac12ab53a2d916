package io.darestream.serving.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that reads every partition of one topic with a plain {@link KafkaConsumer} and hands
 * each record to a {@link RecordHandler}. A bad record never stops it: the handler counts it, and
 * any exception the handler throws is logged and the record skipped. Other threads may ask it to
 * reposition through {@link #runOnTailerThread}, since a consumer may only be used by one thread.
 *
 * <p>Anything else that ends the thread (an {@link Error}, a consumer that fails, a failing task)
 * is never a silent death: it is logged as an error and kept as {@link #failure()}, which the
 * server's readiness reports, so an orchestrator sees the dead feed instead of a service that
 * answers 200 while its data stopped moving.
 *
 * <p>A consumer whose broker goes away after it started reading polls empty without an error, as on
 * a quiet topic. So every {@code probeInterval} the tailer asks the brokers for the partitions' end
 * offsets through its {@link FeedProbe}; while they do not answer for some or all partitions,
 * {@link #unanswered()} says which, since when and why ({@link BrokerSilence}). The tailer does not
 * wait for the answer: it keeps polling, so one partition whose leader is away does not hold up the
 * others' records. A probe unanswered after its timeout counts as no answer for every partition;
 * records from a partition are an answer for it.
 */
public final class TopicTailer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicTailer.class);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
  private static final long TOPIC_RETRY_MS = 1_000;
  private static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(10);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  // How much longer than the brokers' own timeout the tailer gives a probe before it counts the
  // whole probe as unanswered: the per-partition answers, timeouts included, come first.
  private static final Duration PROBE_GRACE = Duration.ofSeconds(1);

  private final String topic;
  private final Supplier<Consumer<byte[], byte[]>> consumers;
  private final RecordHandler handler;
  private final Thread thread;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final ConcurrentLinkedQueue<java.util.function.Consumer<Consumer<byte[], byte[]>>> tasks =
      new ConcurrentLinkedQueue<>();
  private volatile Consumer<byte[], byte[]> consumer;
  private volatile String failure;
  private volatile String waiting;
  private final long probeIntervalNanos;
  private final Duration probeTimeout;
  private final FeedProbe probe;
  private long nextProbeNanos;
  // The probe in flight (null: none) and when it was asked.
  private CompletableFuture<Map<TopicPartition, Throwable>> pendingProbe;
  private long probeAskedNanos;
  private long probeAskedMs;
  private final BrokerSilence silence;

  public TopicTailer(String topic, KafkaSettings settings, RecordHandler handler) {
    this(
        topic,
        () -> new KafkaConsumer<>(settings.consumerProperties("dare-serving-" + topic)),
        handler,
        DEFAULT_PROBE_INTERVAL,
        PROBE_TIMEOUT.plus(PROBE_GRACE),
        new AdminFeedProbe(settings, "dare-serving-probe-" + topic, PROBE_TIMEOUT));
  }

  /**
   * A tailer over consumers made by {@code consumers} (one, on the tailer's thread), probing
   * through that consumer ({@link FeedProbe#onTheConsumer}).
   */
  public TopicTailer(
      String topic, Supplier<Consumer<byte[], byte[]>> consumers, RecordHandler handler) {
    this(
        topic,
        consumers,
        handler,
        DEFAULT_PROBE_INTERVAL,
        PROBE_TIMEOUT.plus(PROBE_GRACE),
        FeedProbe.onTheConsumer(PROBE_TIMEOUT));
  }

  /**
   * As above, asking the brokers with {@code probe} whether they answer every {@code
   * probeInterval}; a probe still unanswered after {@code probeTimeout} counts as no answer for
   * every partition (give it more than the probe's own timeout, so that per-partition answers come
   * first).
   */
  public TopicTailer(
      String topic,
      Supplier<Consumer<byte[], byte[]>> consumers,
      RecordHandler handler,
      Duration probeInterval,
      Duration probeTimeout,
      FeedProbe probe) {
    if (probeInterval.isNegative() || probeInterval.isZero()) {
      throw new IllegalArgumentException("probeInterval must be > 0, got " + probeInterval);
    }
    if (probeTimeout.isNegative() || probeTimeout.isZero()) {
      throw new IllegalArgumentException("probeTimeout must be > 0, got " + probeTimeout);
    }
    this.probeIntervalNanos = probeInterval.toNanos();
    this.probeTimeout = probeTimeout;
    this.probe = Objects.requireNonNull(probe, "probe");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.silence = new BrokerSilence(topic);
    this.consumers = Objects.requireNonNull(consumers, "consumers");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.thread = new Thread(this::run, "serving-tail-" + topic);
    this.thread.setDaemon(true);
  }

  public String topic() {
    return topic;
  }

  /**
   * Why the tailer's thread stopped by itself (the throwable, as text); empty while it runs and
   * after {@link #close()}.
   */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * Why the tailer has not started reading yet (Kafka does not answer, the topic does not exist);
   * empty before the first attempt and once its partitions are assigned.
   */
  public Optional<String> waiting() {
    return Optional.ofNullable(waiting);
  }

  /**
   * Why the tailer, once reading, gets nothing from some or all of its partitions: the brokers have
   * not answered for them since the time it names (the service keeps serving what it has); names
   * the partitions when not all are silent; empty while they answer for all.
   */
  public Optional<String> unanswered() {
    return silence.describe(System.currentTimeMillis());
  }

  /**
   * Seconds since the brokers last answered for the longest-silent partition; 0 while all answer.
   */
  public double unansweredSeconds() {
    return silence.seconds(System.currentTimeMillis());
  }

  public TopicTailer start() {
    thread.start();
    return this;
  }

  /** Queues {@code task} to run on the tailer's thread before its next poll (e.g. a seek). */
  public void runOnTailerThread(java.util.function.Consumer<Consumer<byte[], byte[]>> task) {
    tasks.add(task);
    Consumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  private void run() {
    try (probe;
        Consumer<byte[], byte[]> c = consumers.get()) {
      consumer = c;
      if (!assign(c)) {
        return;
      }
      while (stopRequested.getCount() > 0) {
        try {
          runTasks(c);
          ConsumerRecords<byte[], byte[]> records = c.poll(KafkaSettings.POLL_TIMEOUT);
          for (ConsumerRecord<byte[], byte[]> r : records) {
            handleSafely(r);
          }
          if (!records.isEmpty()) {
            // Records are an answer for their partitions.
            silence.answered(records.partitions(), System.currentTimeMillis());
          }
          handler.afterPoll(positions(c));
          handler.backlog(lags(c));
          BadRecords.flushLog();
          probeWhenDue(c);
        } catch (WakeupException e) {
          // A queued task or a stop; both are handled at the top of the loop.
        }
      }
    } catch (Throwable t) {
      // Caught whole: an Error (out of memory, stack overflow) must not end the thread unseen.
      failure = t.toString();
      LOG.error(
          "Tailer of {} STOPPED: {}. Its records are no longer applied; readiness fails until"
              + " the service is restarted",
          topic,
          t.toString(),
          t);
    } finally {
      consumer = null;
      pendingProbe = null;
      silence.clear(); // a stopped thread says so through failure(), not as a silent broker
    }
  }

  /** Waits for the topic to exist, assigns all its partitions and positions them. */
  private boolean assign(Consumer<byte[], byte[]> c) {
    while (stopRequested.getCount() > 0) {
      try {
        List<PartitionInfo> infos = c.partitionsFor(topic, METADATA_TIMEOUT);
        if (infos != null && !infos.isEmpty()) {
          List<TopicPartition> parts =
              infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
          c.assign(parts);
          Map<TopicPartition, Long> starts = handler.startOffsets(c.endOffsets(parts));
          c.seekToBeginning(parts);
          for (TopicPartition tp : parts) {
            Long offset = starts.get(tp);
            if (offset != null) {
              c.seek(tp, offset);
            }
          }
          LOG.info("Tailing {} ({} partitions) from {}", topic, parts.size(), starts);
          waiting = null;
          silence.assigned(parts, System.currentTimeMillis());
          nextProbeNanos = System.nanoTime() + probeIntervalNanos;
          return true;
        }
        waiting = "the topic does not exist yet";
        LOG.info("Topic {} not found yet; waiting", topic);
      } catch (WakeupException e) {
        continue; // a task was queued: assign first, the task runs in the poll loop
      } catch (RuntimeException e) {
        waiting = "cannot read its partitions: " + e;
        LOG.warn("Cannot read partitions of {}: {}; retrying", topic, e.toString());
      }
      awaitStop(TOPIC_RETRY_MS);
    }
    return false;
  }

  /**
   * Asks the brokers for the end offsets when a probe is due, and settles the probe in flight once
   * it completes; never waits for it.
   */
  private void probeWhenDue(Consumer<byte[], byte[]> c) {
    long now = System.nanoTime();
    if (pendingProbe == null) {
      if (now - nextProbeNanos < 0) {
        return;
      }
      probeAskedNanos = now;
      probeAskedMs = System.currentTimeMillis();
      pendingProbe = ask(c);
    }
    if (pendingProbe.isDone()) {
      settle(pendingProbe);
    } else if (now - probeAskedNanos > probeTimeout.toNanos()) {
      silence.unanswered(
          "no answer to the end-offsets request within " + probeTimeout.toMillis() + " ms",
          probeAskedMs,
          System.currentTimeMillis());
    } else {
      return;
    }
    pendingProbe = null;
    nextProbeNanos = System.nanoTime() + probeIntervalNanos;
  }

  /** The probe's question; a probe that cannot even ask has its failure as the answer. */
  private CompletableFuture<Map<TopicPartition, Throwable>> ask(Consumer<byte[], byte[]> c) {
    try {
      return probe.ask(c, c.assignment());
    } catch (WakeupException | InterruptException e) {
      throw e; // a queued task, a stop or an interrupt, not a broker's silence
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Records the answer of a completed probe: the partitions it found silent, or none answered. */
  private void settle(CompletableFuture<Map<TopicPartition, Throwable>> done) {
    long nowMs = System.currentTimeMillis();
    try {
      Map<TopicPartition, String> silent = new HashMap<>();
      done.join().forEach((tp, cause) -> silent.put(tp, cause.toString()));
      silence.probed(silent, probeAskedMs, nowMs);
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof Error error) {
        throw error;
      }
      silence.unanswered(cause.toString(), probeAskedMs, nowMs);
    }
  }

  private void runTasks(Consumer<byte[], byte[]> c) {
    java.util.function.Consumer<Consumer<byte[], byte[]>> task;
    while ((task = tasks.poll()) != null) {
      task.accept(c);
    }
  }

  private void handleSafely(ConsumerRecord<byte[], byte[]> r) {
    try {
      handler.handle(r);
    } catch (RuntimeException e) {
      LOG.warn(
          "Skipped record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString(), e);
    }
  }

  private static Map<TopicPartition, Long> lags(Consumer<byte[], byte[]> c) {
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : c.assignment()) {
      c.currentLag(tp).ifPresent(lag -> out.put(tp, lag));
    }
    return out;
  }

  private static Map<TopicPartition, Long> positions(Consumer<byte[], byte[]> c) {
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : c.assignment()) {
      out.put(tp, c.position(tp));
    }
    return out;
  }

  private void awaitStop(long ms) {
    try {
      stopRequested.await(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopRequested.countDown();
    }
  }

  /** Stops the thread and closes the consumer; waits for both. */
  @Override
  public void close() {
    stopRequested.countDown();
    Consumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
