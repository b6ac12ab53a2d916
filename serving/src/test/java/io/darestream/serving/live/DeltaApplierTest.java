package io.darestream.serving.live;

import static io.darestream.serving.live.Deltas.delta;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.serving.scoring.ModelVersion;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class DeltaApplierTest {
  private final MapRows rows = new MapRows();
  private final DeltaApplier applier = new DeltaApplier(Deltas.MODEL, new ModelVersion(2, 100));

  @Test
  void appliesRowsAsFullValuesAndIdempotently() {
    ModelDelta d = delta(2, 101, "att.item", 2, 7, 5);

    assertThat(applier.apply(d, rows)).isEqualTo(DeltaOutcome.APPLIED);
    assertThat(applier.apply(d, rows)).isEqualTo(DeltaOutcome.APPLIED);

    assertThat(rows.rows.get("att.item").get(7L)).containsExactly(5f, 5f);
    assertThat(applier.position()).isEqualTo(new ModelVersion(2, 101));
  }

  @Test
  void aNewerEpochSupersedesAndMakesTheCurrentOneStale() {
    applier.apply(delta(2, 150, "att.item", 2, 7, 1), rows);

    assertThat(applier.apply(delta(3, 10, "att.item", 2, 7, 3), rows))
        .isEqualTo(DeltaOutcome.APPLIED);
    assertThat(applier.apply(delta(2, 151, "att.item", 2, 7, 2), rows))
        .isEqualTo(DeltaOutcome.STALE_EPOCH);

    assertThat(rows.first("att.item", 7)).isEqualTo(3f);
    assertThat(applier.position()).isEqualTo(new ModelVersion(3, 10));
    assertThat(applier.epochAdvancedPastSnapshot()).isTrue();
  }

  @Test
  void placesDeltasAfterASetOfPartsByEachWritersBaseVersion() {
    // Ordering itself is model.sync.DeltaOrder's (DeltaOrderTest); here: a set's per-writer
    // versions reach it, so owner 2's record after its barrier is applied while owner 1's record
    // of the same stamp, already in its part, is not.
    DeltaApplier set = new DeltaApplier(Deltas.MODEL, 2, java.util.Map.of(1, 500L, 2, 300L));

    assertThat(set.apply(delta(2, 400, 1, "att.item", 2, 7, 1), rows))
        .isEqualTo(DeltaOutcome.OLDER_VERSION);
    assertThat(set.apply(delta(2, 400, 2, "att.item", 2, 8, 2), rows))
        .isEqualTo(DeltaOutcome.APPLIED);
    assertThat(rows.rows.get("att.item")).containsOnlyKeys(8L);
    assertThat(set.position()).isEqualTo(new ModelVersion(2, 500));
  }

  @Test
  void refusesMalformedRecordsWithoutWritingAnyRow() {
    ModelDelta shortRow = delta(2, 101, "att.item", 2, 1, 1, 2, 2);
    shortRow.getRows().get(1).setValues(ByteBuffer.wrap(new byte[5]));

    assertThat(applier.apply(shortRow, rows)).isEqualTo(DeltaOutcome.MALFORMED);
    assertThat(applier.apply(delta(2, 101, "no.such.table", 2, 1, 1), rows))
        .isEqualTo(DeltaOutcome.MALFORMED);
    assertThat(applier.apply(delta(2, 101, "att.item", 3, 1, 1), rows))
        .isEqualTo(DeltaOutcome.MALFORMED);
    assertThat(rows.rows).isEmpty();
  }

  @Test
  void refusesRecordsWithNaNOrInfinityWithoutWritingAnyRow() {
    ModelDelta nan = delta(2, 101, "att.item", 2, 1, 1, 2, 2);
    nan.getRows().get(1).setValues(ModelDeltas.packRow(new float[] {0.5f, Float.NaN}));
    ModelDelta inf = delta(2, 101, "repr.item", 3, 4, 4);
    inf.getRows()
        .get(0)
        .setValues(ModelDeltas.packRow(new float[] {Float.NEGATIVE_INFINITY, 0, 0}));

    assertThat(applier.apply(nan, rows)).isEqualTo(DeltaOutcome.NON_FINITE);
    assertThat(applier.apply(inf, rows)).isEqualTo(DeltaOutcome.NON_FINITE);
    assertThat(rows.rows).isEmpty();
    assertThat(applier.position()).isEqualTo(new ModelVersion(2, 100));
    // A deletion (empty row) and extreme but finite values are still applied.
    ModelDelta finite = delta(2, 102, "att.item", 2, 1, 1);
    finite.getRows().get(0).setValues(ModelDeltas.packRow(new float[] {Float.MAX_VALUE, -0f}));
    assertThat(applier.apply(finite, rows)).isEqualTo(DeltaOutcome.APPLIED);
  }

  @Test
  void ignoresOtherModels() {
    ModelDelta other = delta(2, 101, "att.item", 2, 1, 1);
    other.setModelId("another");

    assertThat(applier.apply(other, rows)).isEqualTo(DeltaOutcome.OTHER_MODEL);
  }
}
