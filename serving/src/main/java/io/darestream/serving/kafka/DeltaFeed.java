package io.darestream.serving.kafka;

import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import io.darestream.serving.live.LiveModel;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelNotReadyException;
import io.darestream.state.snapshot.DeltaOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code model-deltas} to the live model, starting at the offsets recorded in the manifest
 * of the snapshot being served (everything before them is already in it).
 */
public final class DeltaFeed implements RecordHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DeltaFeed.class);

  private final String topic;
  private final LiveModel live;
  private final ServingMetrics metrics;
  private final Supplier<List<DeltaOffset>> snapshotOffsets;
  // Installs whose reposition has not run yet: records polled meanwhile are not applied.
  private final AtomicInteger pendingRepositions = new AtomicInteger();

  /**
   * @param snapshotOffsets the delta offsets of the snapshot served now (empty: from the start)
   */
  public DeltaFeed(
      String topic,
      LiveModel live,
      ServingMetrics metrics,
      Supplier<List<DeltaOffset>> snapshotOffsets) {
    this.topic = topic;
    this.live = live;
    this.metrics = metrics;
    this.snapshotOffsets = snapshotOffsets;
  }

  @Override
  public Map<TopicPartition, Long> startOffsets(Map<TopicPartition, Long> endOffsets) {
    return offsetsFor(snapshotOffsets.get(), topic);
  }

  /** The positions in {@code topic} among {@code offsets}, as the consumer wants them. */
  public static Map<TopicPartition, Long> offsetsFor(List<DeltaOffset> offsets, String topic) {
    Map<TopicPartition, Long> out = new HashMap<>();
    for (DeltaOffset o : offsets) {
      if (o.topic().equals(topic)) {
        out.put(new TopicPartition(o.topic(), o.partition()), o.offset());
      }
    }
    return out;
  }

  /**
   * Call before installing a model whose snapshot's offsets the feed will be repositioned at: until
   * {@link #repositioned()}, records are dropped. Records already polled when a model is installed
   * sit after its snapshot's offsets; applied to the new model, they would raise its tables'
   * versions past the deltas replayed from those offsets, which would then be skipped as older,
   * losing the rows they alone carry. Dropped records are read again after the reposition (or were
   * in the snapshot already).
   */
  public void holdUntilRepositioned() {
    pendingRepositions.incrementAndGet();
  }

  /** Call on the tailer's thread once the consumer has been repositioned for an install. */
  public void repositioned() {
    pendingRepositions.decrementAndGet();
  }

  @Override
  public void handle(ConsumerRecord<byte[], byte[]> record) {
    if (pendingRepositions.get() > 0) {
      return;
    }
    Optional<ModelDelta> decoded = BadRecords.decode(Codecs.MODEL_DELTA, record, metrics);
    if (decoded.isEmpty()) {
      return;
    }
    ModelDelta delta = decoded.get();
    try {
      live.apply(delta);
    } catch (ModelNotReadyException e) {
      // Deltas without a snapshot under them cannot be placed; the first loaded snapshot's
      // offsets reposition the feed.
      metrics.badRecord(topic, "no_model");
    }
  }
}
