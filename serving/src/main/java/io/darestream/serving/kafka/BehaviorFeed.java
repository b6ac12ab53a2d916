package io.darestream.serving.kafka;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.validate.EventPolicy;
import io.darestream.schemas.validate.StreamClock;
import io.darestream.schemas.validate.Violation;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.sequence.OffsetFile;
import io.darestream.state.sequence.AppendResult;
import io.darestream.state.sequence.BehaviorCodes;
import io.darestream.state.sequence.EventIds;
import io.darestream.state.sequence.SequenceStore;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds {@code behavior-events} into the local sequence store, with the trainer's rules: the job's
 * {@link EventPolicy} (fields, id ranges, late against a watermark kept by the job's rules in a
 * {@link StreamClock}, future against the record's time), then every behaviour except impressions
 * enters the history (impressions are what was shown, not what the user did), placed within the
 * policy's ordering bound and deduplicated by event id over the store's horizon. So an event the
 * job dead-letters (say, stamped in the year 3000) never reaches a history here, and one it accepts
 * ahead of time (12 h) is placed as the job places it instead of freezing the user.
 *
 * <p>Resumes from the positions in its {@link OffsetFile}, else from the beginning of the topic,
 * and reports itself caught up once it has read to the end offsets seen at start, which is when a
 * user's history is complete enough to serve.
 */
public final class BehaviorFeed implements RecordHandler {
  private static final Logger LOG = LoggerFactory.getLogger(BehaviorFeed.class);
  private static final long OFFSET_WRITE_INTERVAL_MS = 1_000;

  private final SequenceStore store;
  private final EventPolicy policy;
  private final StreamClock streamClock;
  private final OffsetFile offsets;
  private final ServingMetrics metrics;
  private final LongSupplier clockMs;

  /** Flink's default {@code pipeline.auto-watermark-interval}. */
  static final long WATERMARK_INTERVAL_MS = 200;

  private long watermark = Long.MIN_VALUE;
  private long watermarkAtMs = Long.MIN_VALUE;
  private final String topic;
  private Map<TopicPartition, Long> catchUpTargets = Map.of();
  private volatile boolean caughtUp;
  private long lastOffsetWriteMs;
  private Map<TopicPartition, Long> lastPositions = Map.of();

  /**
   * @param store its limits' ordering bound should be the policy's {@link
   *     EventPolicy#maxOutOfOrderMs()}, as in the job
   * @param clockMs the wall clock: caps record times, idles partitions, paces offset writes
   */
  public BehaviorFeed(
      String topic,
      SequenceStore store,
      EventPolicy policy,
      OffsetFile offsets,
      ServingMetrics metrics,
      LongSupplier clockMs) {
    this.topic = topic;
    this.store = store;
    this.policy = policy;
    this.streamClock = new StreamClock(policy);
    this.offsets = offsets;
    this.metrics = metrics;
    this.clockMs = clockMs;
  }

  /** Whether everything that was in the topic when the feed started has been stored. */
  public boolean caughtUp() {
    return caughtUp;
  }

  @Override
  public Map<TopicPartition, Long> startOffsets(Map<TopicPartition, Long> endOffsets) {
    catchUpTargets = Map.copyOf(endOffsets);
    // Every assigned partition holds the watermark back until it has records or goes idle, as a
    // Flink split does from its assignment: else, catching up, the first partition read alone
    // would set the watermark and the others' older events would all be "late".
    long now = clockMs.getAsLong();
    endOffsets.keySet().forEach(tp -> streamClock.touch(tp.partition(), now));
    Map<TopicPartition, Long> stored;
    try {
      stored = offsets.read();
    } catch (IOException | RuntimeException e) {
      // Re-reading is safe (appends are deduplicated by event id), losing history is not.
      LOG.warn("Ignoring unreadable offset file, reading {} from the beginning: {}", topic, e);
      stored = Map.of();
    }
    Map<TopicPartition, Long> starts = new HashMap<>();
    stored.forEach(
        (tp, o) -> {
          if (endOffsets.containsKey(tp)) {
            starts.put(tp, o);
          }
        });
    checkCaughtUp(starts);
    return starts;
  }

  @Override
  public void handle(ConsumerRecord<byte[], byte[]> record) {
    long now = clockMs.getAsLong();
    // The watermark as the job's gate sees it: Flink emits it periodically (every 200 ms by
    // default), not after each record, so a batch read at once is judged against the watermark
    // from before it. Any record, even a bad one, keeps its partition active, as it keeps a Flink
    // split active.
    if (watermarkAtMs == Long.MIN_VALUE
        || now - watermarkAtMs >= WATERMARK_INTERVAL_MS
        || now < watermarkAtMs) {
      watermark = streamClock.watermark(now);
      watermarkAtMs = now;
    }
    streamClock.touch(record.partition(), now);
    Optional<BehaviorEvent> decoded = BadRecords.decode(Codecs.BEHAVIOR_EVENT, record, metrics);
    if (decoded.isEmpty()) {
      return;
    }
    BehaviorEvent e = decoded.get();
    long reference = EventPolicy.referenceTime(record.timestamp(), now);
    Optional<Violation> violation = policy.check(e, watermark, reference);
    if (violation.isPresent()) {
      BadRecords.skip(record, violation.get().code(), violation.get().message(), metrics);
      return;
    }
    streamClock.observe(record.partition(), e.getEventTimeMs(), reference, now);
    if (e.getType() == BehaviorType.IMPRESSION) {
      return;
    }
    AppendResult r =
        store.append(
            e.getUserId(),
            EventIds.hash64(e.getEventId()),
            e.getItemId(),
            e.getCategoryId(),
            e.getEventTimeMs(),
            BehaviorCodes.code(e.getType()));
    if (r == AppendResult.APPENDED) {
      metrics.behaviorStored();
    }
  }

  /**
   * A partition with records still to read is not idle, however long since its last record: idle
   * means nothing to read, as for a Flink split. Without this, catching up after a pause would let
   * the partitions read first set the watermark, and the others' records would be "late".
   */
  @Override
  public void backlog(Map<TopicPartition, Long> recordsBehind) {
    long now = clockMs.getAsLong();
    recordsBehind.forEach(
        (tp, n) -> {
          if (n > 0) {
            streamClock.touch(tp.partition(), now);
          }
        });
  }

  @Override
  public void afterPoll(Map<TopicPartition, Long> positions) {
    lastPositions = positions;
    checkCaughtUp(positions);
    long now = clockMs.getAsLong();
    if (now - lastOffsetWriteMs >= OFFSET_WRITE_INTERVAL_MS) {
      persist(positions);
      lastOffsetWriteMs = now;
    }
  }

  /** Writes the last positions reached; called on shutdown. */
  public void flush() {
    persist(lastPositions);
  }

  private void persist(Map<TopicPartition, Long> positions) {
    if (positions.isEmpty()) {
      return;
    }
    try {
      // The offsets must never run ahead of what the store would keep through a crash.
      store.flushWal();
      offsets.write(positions);
    } catch (IOException e) {
      LOG.warn("Cannot write the behaviour offset file: {}", e.toString());
    }
  }

  private void checkCaughtUp(Map<TopicPartition, Long> positions) {
    if (caughtUp) {
      return;
    }
    for (Map.Entry<TopicPartition, Long> target : catchUpTargets.entrySet()) {
      if (positions.getOrDefault(target.getKey(), 0L) < target.getValue()) {
        return;
      }
    }
    caughtUp = true;
    LOG.info("Sequence feed caught up with {}", topic);
  }
}
