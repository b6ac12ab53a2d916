package io.darestream.jobs.shard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The ledger of a trainer's unacknowledged row changes: rebase, acknowledgement and bounds. */
class OwnWriteLedgerTest {
  private final OwnWriteLedger ledger = new OwnWriteLedger(new int[] {2, 3}, 2);

  @Test
  void rebaseAddsTheChangesOfTheWindowsAfterTheAcknowledgedOne() {
    ledger.record(1, 5, 1, 1, new float[] {1, 1, 1}, 0);
    ledger.record(1, 5, 1, 1, new float[] {9, 1, 2, 3}, 1); // same window: summed
    ledger.record(1, 5, 1, 3, new float[] {10, 20, 30}, 0);

    float[] row = {0, 0, 0};
    ledger.rebase(1, 5, 0, row);
    assertThat(row).containsExactly(12, 23, 34);

    row = new float[] {100, 100, 100};
    ledger.rebase(1, 5, 2, row);
    assertThat(row).containsExactly(110, 120, 130);
    assertThat(ledger.rows()).isEqualTo(1);

    row = new float[] {7, 7, 7};
    ledger.rebase(1, 5, 3, row);
    assertThat(row).containsExactly(7, 7, 7);
    assertThat(ledger.rows()).isZero();
  }

  @Test
  void anAcknowledgementForgetsRowsTheOwnerNeverPublishes() {
    ledger.record(0, 1, 0, 1, new float[] {1, 1}, 0);
    ledger.record(0, 2, 1, 1, new float[] {1, 1}, 0);
    ledger.record(0, 2, 1, 2, new float[] {1, 1}, 0);

    ledger.acknowledge(0, 1, 1);
    ledger.sweep();
    assertThat(ledger.rows()).as("owner 1 still owes window 2; owner 0 owes window 1").isEqualTo(2);

    ledger.acknowledge(0, 0, 1);
    ledger.acknowledge(0, 1, 2);
    ledger.acknowledge(1, 0, 99); // another table's acknowledgement forgets nothing here
    ledger.sweep();
    assertThat(ledger.rows()).isZero();
  }

  @Test
  void anAcknowledgementNeverMovesBack() {
    ledger.record(0, 1, 0, 2, new float[] {1, 1}, 0);
    ledger.acknowledge(0, 0, 2);
    ledger.acknowledge(0, 0, 1);
    ledger.sweep();
    assertThat(ledger.rows()).isZero();
  }
}
