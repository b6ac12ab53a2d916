package io.darestream.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.testing.UnboundedIds;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TableNames;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Expiry in the trainer over an unbounded id space: rows stay within a bound set by the expiry
 * horizon, every expired row leaves as a deletion delta, and recurring ids keep their rows.
 */
class OnlineTrainerExpiryTest {
  private static final long EXPIRY_MS = 1_000;
  private static final long STEP_MS = 1; // event time between samples
  private static final int BATCH = 16;
  private static final int PUBLISH_EVERY = 64; // samples between publishes (the publish timer)
  private static final int SAMPLES = 20_000;

  private static DareConfig config(long expiryMs, int admissionMinCount) {
    return DareConfig.builder()
        .attentionDim(4)
        .representationDim(4)
        .topK(3)
        .maxHistory(10)
        .hiddenSizes(8, 4)
        .microBatchSize(BATCH)
        .seed(5)
        .expiryMs(expiryMs)
        .admissionMinCount(admissionMinCount)
        .build();
  }

  /**
   * Bound on live rows of an item table. After an expiry at clock c (the newest event time trained)
   * the rows left were updated by a micro-batch whose newest event is at least c - EXPIRY_MS, so
   * they come from the last EXPIRY_MS / STEP_MS + BATCH samples; until the next expiry another
   * PUBLISH_EVERY samples add rows. Each sample brings FRESH_PER_SAMPLE new ids; popular ids add at
   * most POPULAR rows.
   */
  private static final int ITEM_ROWS_BOUND =
      (int)
          (UnboundedIds.FRESH_PER_SAMPLE * (EXPIRY_MS / STEP_MS + BATCH + PUBLISH_EVERY)
              + UnboundedIds.POPULAR);

  @Test
  void liveRowsStayWithinTheExpiryBoundAndExpiredRowsLeaveAsDeletions() {
    DareModel model = DareModel.create(config(EXPIRY_MS, 1));
    OnlineTrainer trainer = new OnlineTrainer(model, "m", 1, BATCH, 2048, 1_000);
    UnboundedIds stream = new UnboundedIds(1, 1_700_000_000_000L, STEP_MS);
    Set<Long> deleted = new HashSet<>();
    int maxItemRows = 0;
    for (int i = 1; i <= SAMPLES; i++) {
      if (trainer.add(stream.next())) {
        trainer.trainPending();
      }
      if (i % PUBLISH_EVERY == 0) {
        maxItemRows = Math.max(maxItemRows, itemRows(model));
        trainer.expireRows();
        deletions(trainer.drainDeltas(i, false), TableNames.ATT_ITEM, deleted);
      }
    }

    EmbeddingTable items = model.table(TableNames.ATT_ITEM);
    long expired = items.counters().expired();
    // Without expiry every admitted row would still be held: ten times the bound and more.
    long admitted = items.counters().admitted();
    assertThat(admitted).isGreaterThan(10L * ITEM_ROWS_BOUND);
    assertThat(maxItemRows).isLessThanOrEqualTo(ITEM_ROWS_BOUND);
    assertThat(expired).isGreaterThanOrEqualTo(admitted - ITEM_ROWS_BOUND);
    // Each expired row left as a deletion (empty row) and is gone; popular rows are alive.
    assertThat(deleted).hasSize((int) expired);
    assertThat(deleted).allSatisfy(id -> assertThat(items.contains(id)).isFalse());
    assertThat(deleted).noneMatch(UnboundedIds::popular);
    for (long id = 0; id < UnboundedIds.POPULAR; id++) {
      assertThat(items.contains(id)).as("popular item %d", id).isTrue();
    }
  }

  @Test
  void admissionCountsStayBoundedWhenIdsAreSeenOnlyOnce() {
    DareModel model = DareModel.create(config(EXPIRY_MS, 2));
    OnlineTrainer trainer = new OnlineTrainer(model, "m", 1, BATCH, 2048, 1_000);
    UnboundedIds stream = new UnboundedIds(2, 1_700_000_000_000L, STEP_MS);
    int maxPending = 0;
    for (int i = 1; i <= SAMPLES; i++) {
      if (trainer.add(stream.next())) {
        trainer.trainPending();
      }
      if (i % PUBLISH_EVERY == 0) {
        trainer.expireRows();
        trainer.drainDeltas(i, false);
        maxPending =
            Math.max(maxPending, model.table(TableNames.ATT_ITEM).counters().pendingAdmission());
      }
    }
    // Fresh ids are seen once and never admitted; counts live for two generations of at most
    // EXPIRY_MS + one publish interval each.
    long perGeneration =
        UnboundedIds.FRESH_PER_SAMPLE * ((EXPIRY_MS + PUBLISH_EVERY * STEP_MS) / STEP_MS);
    assertThat(maxPending).isLessThanOrEqualTo((int) (2 * perGeneration));
    assertThat(model.table(TableNames.ATT_ITEM).size()).isLessThanOrEqualTo(UnboundedIds.POPULAR);
  }

  private static int itemRows(DareModel model) {
    return model.table(TableNames.ATT_ITEM).size();
  }

  /** Adds the ids that {@code deltas} delete from {@code table} (empty rows) to {@code out}. */
  private static void deletions(List<ModelDelta> deltas, String table, Set<Long> out) {
    for (ModelDelta d : deltas) {
      if (d.getTable().equals(table)) {
        for (DeltaRow r : d.getRows()) {
          if (r.getValues().remaining() == 0) {
            out.add(r.getId());
          }
        }
      }
    }
  }
}
