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

  @Override
  public void handle(ConsumerRecord<byte[], byte[]> record) {
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
