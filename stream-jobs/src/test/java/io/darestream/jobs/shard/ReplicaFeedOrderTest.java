package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A trainer's replica orders {@code model-deltas} records as serving does (model.sync's {@code
 * DeltaOrder}): a record of a superseded epoch (a failed attempt's row published after its last
 * checkpoint, read after the restored attempt's records) or a writer's older record never moves a
 * row back. Fed without a broker (the consumer is never polled).
 */
class ReplicaFeedOrderTest {
  private static final String MODEL = "dare";
  private final DareModel replica =
      DareModel.create(DareConfig.builder().attentionDim(4).representationDim(8).build());
  private final ReplicaFeed feed =
      new ReplicaFeed("localhost:1", "model-deltas", MODEL, replica, "replica-order-test");

  @AfterEach
  void close() throws InterruptedException {
    feed.close();
  }

  private static byte[] delta(long epoch, long version, int writer, long id, float value) {
    float[] v = new float[4];
    Arrays.fill(v, value);
    return Codecs.MODEL_DELTA.encode(
        ModelDelta.newBuilder()
            .setModelId(MODEL)
            .setEpoch(epoch)
            .setVersion(version)
            .setTable("att.item")
            .setDim(4)
            .setRows(List.of(new DeltaRow(id, ModelDeltas.packRow(v))))
            .setNewestEventTimeMs(1)
            .setMinIngestTimeMs(1)
            .setMaxIngestTimeMs(1)
            .setPublishTimeMs(System.currentTimeMillis())
            .setWriter(writer)
            .build());
  }

  private float first(long id) {
    float[] out = new float[4];
    replica.table("att.item").copyWeights(id, out, 0);
    return out[0];
  }

  @Test
  void aSupersededEpochsRecordReadLaterDoesNotMoveTheRowBack() {
    feed.handle(delta(2, 10, 1, 7, 2f));
    feed.handle(delta(1, 50, 1, 7, 1f));

    assertThat(first(7)).isEqualTo(2f);
    assertThat(feed.ignored()).isEqualTo(1);
  }

  @Test
  void aWritersOlderRecordIsSkippedWhileAnotherWritersIsApplied() {
    feed.handle(delta(2, 10, 1, 8, 3f));
    feed.handle(delta(2, 9, 1, 8, 4f));
    feed.handle(delta(2, 5, 2, 9, 5f));

    assertThat(first(8)).isEqualTo(3f);
    assertThat(first(9)).isEqualTo(5f);
    assertThat(feed.rowsApplied()).isEqualTo(2);
  }
}
