package io.darestream.serving.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import io.darestream.serving.kafka.DeltaFeed;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelVersion;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A snapshot installed while the delta feed still holds records polled past the snapshot's offsets:
 * those must not reach the new model before the feed is repositioned, or the deltas replayed from
 * the offsets are skipped as older and the rows only they carry are lost (seen as a serving row
 * differing from the trainer's final model in {@code ServingEndToEndITCase}).
 */
class DeltaFeedRepositionTest {
  private final ServingMetrics metrics = new ServingMetrics();
  private final LiveModel live = new LiveModel(metrics, () -> 1_800);
  private final DeltaFeed feed = new DeltaFeed("deltas", live, metrics, List::of);
  private long offset;

  @Test
  void recordsPolledBeforeTheRepositionAreNotApplied() {
    LiveModelTest.FakeModel model = new LiveModelTest.FakeModel(new ModelVersion(1, 10));
    feed.holdUntilRepositioned();
    live.install(model);
    // Polled before the reposition: version 40, past the snapshot's offsets.
    feed.handle(record(Deltas.delta(1, 40, "att.item", 2, 7, 4)));
    assertThat(live.readWeights("att.item", 7)).isNull();

    feed.repositioned();
    // Replayed from the snapshot's offsets: version 30 (the only delta with row 8), then 40.
    feed.handle(record(Deltas.delta(1, 30, "att.item", 2, 8, 3)));
    feed.handle(record(Deltas.delta(1, 40, "att.item", 2, 7, 4)));

    assertThat(live.readWeights("att.item", 8)).containsExactly(3f, 3f);
    assertThat(live.readWeights("att.item", 7)).containsExactly(4f, 4f);
    assertThat(live.status().orElseThrow().position()).isEqualTo(new ModelVersion(1, 40));
  }

  @Test
  void twoInstallsHoldUntilBothRepositionsRan() {
    feed.holdUntilRepositioned();
    live.install(new LiveModelTest.FakeModel(new ModelVersion(1, 10)));
    feed.holdUntilRepositioned();
    live.install(new LiveModelTest.FakeModel(new ModelVersion(1, 20)));
    feed.repositioned();
    feed.handle(record(Deltas.delta(1, 40, "att.item", 2, 7, 4)));
    assertThat(live.readWeights("att.item", 7)).isNull();
    feed.repositioned();
    feed.handle(record(Deltas.delta(1, 40, "att.item", 2, 7, 4)));
    assertThat(live.readWeights("att.item", 7)).containsExactly(4f, 4f);
  }

  private ConsumerRecord<byte[], byte[]> record(ModelDelta delta) {
    return new ConsumerRecord<>(
        "deltas", 0, offset++, new byte[0], Codecs.MODEL_DELTA.encode(delta));
  }
}
