package io.darestream.model.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.sync.DeltaOrder.Verdict;
import io.darestream.schemas.avro.ModelDelta;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ordering that serving and the sharded trainers' replicas share (moved here from serving's
 * {@code DeltaApplierTest}, plus the per-writer base versions of a set of snapshot parts).
 */
class DeltaOrderTest {
  private static final String MODEL = "m1";
  private final DeltaOrder order = DeltaOrder.ofSnapshot(MODEL, 2, 100);

  /** Admits and, if admitted, records {@code d} as applied (what serving and the replica do). */
  private static Verdict offer(DeltaOrder order, ModelDelta d) {
    Verdict v = order.admit(d);
    if (v == Verdict.APPLY) {
      order.applied(d);
    }
    return v;
  }

  private static ModelDelta delta(long epoch, long version, int writer, String table) {
    return ModelDelta.newBuilder()
        .setModelId(MODEL)
        .setEpoch(epoch)
        .setVersion(version)
        .setTable(table)
        .setDim(2)
        .setRows(List.of())
        .setNewestEventTimeMs(1_000)
        .setMinIngestTimeMs(1_000)
        .setMaxIngestTimeMs(1_500)
        .setPublishTimeMs(2_000)
        .setWriter(writer)
        .build();
  }

  private static ModelDelta delta(long epoch, long version, String table) {
    return delta(epoch, version, 0, table);
  }

  @Test
  void reappliesTheSameVersionBecauseRowsAreFullValues() {
    assertThat(offer(order, delta(2, 101, "att.item"))).isEqualTo(Verdict.APPLY);
    assertThat(offer(order, delta(2, 101, "att.item"))).isEqualTo(Verdict.APPLY);
    assertThat(order.newestVersion()).isEqualTo(101);
  }

  @Test
  void ignoresAnOlderEpochEvenWithAHigherVersion() {
    assertThat(offer(order, delta(1, 999, "att.item"))).isEqualTo(Verdict.STALE_EPOCH);
    assertThat(order.epoch()).isEqualTo(2);
    assertThat(order.newestVersion()).isEqualTo(100);
  }

  @Test
  void aNewerEpochSupersedesAndMakesTheCurrentOneStale() {
    offer(order, delta(2, 150, "att.item"));

    assertThat(offer(order, delta(3, 10, "att.item"))).isEqualTo(Verdict.APPLY);
    assertThat(offer(order, delta(2, 151, "att.item"))).isEqualTo(Verdict.STALE_EPOCH);
    assertThat(order.epoch()).isEqualTo(3);
    assertThat(order.newestVersion()).isEqualTo(10);
    assertThat(order.epochAdvancedPastSnapshot()).isTrue();
  }

  @Test
  void skipsRecordsOlderThanTheSnapshotOrThanTheTableHolds() {
    assertThat(offer(order, delta(2, 99, "att.item"))).isEqualTo(Verdict.OLDER_VERSION);
    offer(order, delta(2, 120, "att.item"));

    assertThat(offer(order, delta(2, 110, "att.item"))).isEqualTo(Verdict.OLDER_VERSION);
  }

  @Test
  void tracksVersionsPerTableBecauseTablesInterleave() {
    offer(order, delta(2, 120, "att.item"));

    // Published at 110 on another partition, delivered after att.item's 120: new for its table.
    assertThat(offer(order, delta(2, 110, "repr.item"))).isEqualTo(Verdict.APPLY);
    assertThat(order.newestVersion()).isEqualTo(120);
  }

  @Test
  void ordersVersionsPerWriterSoThatNoOwnersRowIsSkipped() {
    // Two row owners publish into one table (one partition); owner 2's record is stamped a
    // millisecond before owner 1's but reaches the partition after it.
    assertThat(offer(order, delta(2, 1_700_000_000_001L, 1, "att.item"))).isEqualTo(Verdict.APPLY);
    assertThat(offer(order, delta(2, 1_700_000_000_000L, 2, "att.item"))).isEqualTo(Verdict.APPLY);
  }

  @Test
  void stillSkipsAWritersOwnOlderRecord() {
    offer(order, delta(2, 1_700_000_000_005L, 1, "att.item"));
    offer(order, delta(2, 1_700_000_000_009L, 2, "att.item"));

    assertThat(offer(order, delta(2, 1_700_000_000_004L, 1, "att.item")))
        .isEqualTo(Verdict.OLDER_VERSION);
    assertThat(offer(order, delta(2, 1_700_000_000_006L, 1, "att.item"))).isEqualTo(Verdict.APPLY);
  }

  @Test
  void aSetOfPartsGivesEachWriterItsOwnBaseVersion() {
    // Owner 1 reached 5_000 at the barrier, owner 2 only 4_000, the averager round 7.
    DeltaOrder set = new DeltaOrder(MODEL, 4, Map.of(0, 7L, 1, 5_000L, 2, 4_000L));

    // Owner 1's record from before its barrier is in its part already: skipped.
    assertThat(offer(set, delta(4, 4_500, 1, "att.item"))).isEqualTo(Verdict.OLDER_VERSION);
    // The same stamp from owner 2 is after its barrier: applied (a single base would skip it).
    assertThat(offer(set, delta(4, 4_500, 2, "att.item"))).isEqualTo(Verdict.APPLY);
    assertThat(offer(set, delta(4, 6, 0, "dense.mlp.0.weight"))).isEqualTo(Verdict.OLDER_VERSION);
    assertThat(offer(set, delta(4, 8, 0, "dense.mlp.0.weight"))).isEqualTo(Verdict.APPLY);
    // A writer the set has no part of (none in the snapshot) starts from nothing.
    assertThat(offer(set, delta(4, 1, 3, "att.item"))).isEqualTo(Verdict.APPLY);
    assertThat(set.newestVersion()).isEqualTo(5_000);
  }

  @Test
  void theBaseVersionsHoldOnlyInTheSnapshotsEpoch() {
    DeltaOrder set = new DeltaOrder(MODEL, 4, Map.of(1, 5_000L));

    assertThat(offer(set, delta(5, 10, 1, "att.item"))).isEqualTo(Verdict.APPLY);
    assertThat(offer(set, delta(5, 11, 1, "repr.item"))).isEqualTo(Verdict.APPLY);
  }

  @Test
  void fromNothingEveryEpochIsNewAndThenSupersedes() {
    DeltaOrder replica = new DeltaOrder(MODEL, Long.MIN_VALUE, Map.of());

    assertThat(offer(replica, delta(2, 10, 1, "att.item"))).isEqualTo(Verdict.APPLY);
    // A failed attempt's record read after its successor's first one: never applied.
    assertThat(offer(replica, delta(1, 50, 1, "att.item"))).isEqualTo(Verdict.STALE_EPOCH);
  }

  @Test
  void ignoresOtherModels() {
    ModelDelta other = delta(2, 101, "att.item");
    other.setModelId("another");

    assertThat(order.admit(other)).isEqualTo(Verdict.OTHER_MODEL);
  }
}
