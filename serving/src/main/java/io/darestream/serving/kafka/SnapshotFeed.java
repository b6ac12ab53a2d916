package io.darestream.serving.kafka;

import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.serde.Codecs;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelVersion;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches {@code model-snapshots} and asks for a reload when an announced snapshot would put the
 * service ahead of where it is (it fell behind, was down, or the trainer restored into a new
 * epoch). Only the newest announcement matters, so it starts at the last record of each partition.
 */
public final class SnapshotFeed implements RecordHandler {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFeed.class);

  private final ServingMetrics metrics;
  private final Predicate<ModelVersion> shouldReload;
  private final Consumer<SnapshotAnnouncement> reload;

  public SnapshotFeed(
      ServingMetrics metrics,
      Predicate<ModelVersion> shouldReload,
      Consumer<SnapshotAnnouncement> reload) {
    this.metrics = metrics;
    this.shouldReload = shouldReload;
    this.reload = reload;
  }

  @Override
  public Map<TopicPartition, Long> startOffsets(Map<TopicPartition, Long> endOffsets) {
    Map<TopicPartition, Long> out = new HashMap<>();
    endOffsets.forEach((tp, end) -> out.put(tp, Math.max(0, end - 1)));
    return out;
  }

  @Override
  public void handle(ConsumerRecord<byte[], byte[]> record) {
    Optional<SnapshotAnnouncement> decoded =
        BadRecords.decode(Codecs.SNAPSHOT_ANNOUNCEMENT, record, metrics);
    if (decoded.isEmpty()) {
      return;
    }
    SnapshotAnnouncement a = decoded.get();
    ModelVersion announced = new ModelVersion(a.getEpoch(), a.getVersion());
    if (shouldReload.test(announced)) {
      LOG.info("Snapshot at {} announced in {}; reloading", announced, a.getLocation());
      reload.accept(a);
    }
  }
}
