package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

/**
 * Round trips and corrupt input of the sharded stage's records; routing keys land in their group.
 */
class GradientBatchSerializerTest {
  @Test
  void gradientBatchRoundTripsAndRefusesForgedSizes() throws IOException {
    GradientBatch b =
        new GradientBatch(
            7,
            2,
            new long[] {1, -5},
            new int[] {3, 1},
            new float[] {1f, 2f, 3f, 4f},
            10,
            11,
            12,
            3,
            9,
            false);
    DataOutputSerializer out = new DataOutputSerializer(64);
    GradientBatchSerializer.INSTANCE.serialize(b, out);
    GradientBatch back =
        GradientBatchSerializer.INSTANCE.deserialize(
            new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(back.keyGroup()).isEqualTo(7);
    assertThat(back.table()).isEqualTo(2);
    assertThat(back.ids()).containsExactly(1, -5);
    assertThat(back.contributions()).containsExactly(3, 1);
    assertThat(back.sums()).containsExactly(1f, 2f, 3f, 4f);
    assertThat(back.dim()).isEqualTo(2);
    assertThat(back.maxIngestTimeMs()).isEqualTo(12);
    assertThat(back.trainer()).isEqualTo(3);
    assertThat(back.window()).isEqualTo(9);
    assertThat(back.closesWindow()).isFalse();

    byte[] forged = out.getCopyOfBuffer();
    forged[9] = 0x7f; // row count's high byte: 2 billion rows
    assertThatThrownBy(
            () -> GradientBatchSerializer.INSTANCE.deserialize(new DataInputDeserializer(forged)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("out of bounds");
  }

  @Test
  void denseProgressRoundTripsAndRefusesForgedSizes() throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    DenseProgressSerializer.INSTANCE.serialize(
        new DenseProgress(1, 9, new float[] {0.5f, -1f}), out);
    DenseProgress back =
        DenseProgressSerializer.INSTANCE.deserialize(
            new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(back.subtask()).isEqualTo(1);
    assertThat(back.round()).isEqualTo(9);
    assertThat(back.values()).containsExactly(0.5f, -1f);

    byte[] forged = out.getCopyOfBuffer();
    forged[13] = 0x7f; // float count's high byte
    assertThatThrownBy(
            () -> DenseProgressSerializer.INSTANCE.deserialize(new DataInputDeserializer(forged)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void routingKeysAndRowsLandInFlinksKeyGroups() {
    RowRouting routing = new RowRouting(128);
    for (int group = 0; group < 128; group++) {
      assertThat(KeyGroupRangeAssignment.assignToKeyGroup(routing.routeKey(group), 128))
          .isEqualTo(group);
    }
    for (long id : new long[] {0, 1, 42, -7, Long.MAX_VALUE, 1L << 40}) {
      assertThat(routing.keyGroupOf(id))
          .isEqualTo(KeyGroupRangeAssignment.assignToKeyGroup(id, 128));
    }
  }

  @Test
  void theLastRecordOfAWindowForEachOwnerClosesItThere() {
    // Key groups 0..3; groups 0 and 1 belong to owner 0, groups 2 and 3 to owner 1.
    java.util.List<GradientBatch> window = new java.util.ArrayList<>();
    int[][] tableAndGroup = {{0, 0}, {0, 2}, {0, 1}, {1, 0}, {1, 3}, {2, 1}};
    for (int[] tg : tableAndGroup) {
      window.add(
          new GradientBatch(
              tg[1],
              tg[0],
              new long[] {1},
              new int[] {1},
              new float[] {1f},
              5,
              -1,
              -1,
              0,
              7,
              false));
    }

    java.util.List<GradientBatch> marked =
        GradientBatch.closingEachOwnersShare(window, group -> group < 2 ? 0 : 1);

    assertThat(marked)
        .extracting(GradientBatch::closesWindow)
        .containsExactly(false, false, false, false, true, true);
    assertThat(marked).extracting(GradientBatch::keyGroup).containsExactly(0, 2, 1, 0, 3, 1);
  }
}
