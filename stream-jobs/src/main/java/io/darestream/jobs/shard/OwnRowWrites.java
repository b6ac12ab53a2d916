package io.darestream.jobs.shard;

import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.train.RowGradients;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Read-your-own-writes for a sharded trainer: applies a micro-batch's row gradients to the replica
 * at once, so that the next micro-batch sees them as the single trainer's would instead of a
 * publish interval later, and hands each row's change (after minus before) to the caller, which
 * keeps it in its {@link OwnWriteLedger} until the row's owner acknowledges it. Shared by the
 * trainer operator and the timing-free replay of the stage, so that the replay runs the operator's
 * arithmetic. Runs under the replica's write lock.
 */
final class OwnRowWrites {
  /** Receives one row's change: {@code delta[offset, offset + dim)} of table {@code t}. */
  @FunctionalInterface
  interface Changes {
    void changed(int t, long id, float[] delta, int offset);
  }

  private OwnRowWrites() {}

  /**
   * Applies {@code rows} (their optimizer step, at {@code nowMs}) and reports every row whose
   * weights moved.
   *
   * @param tableIndex each table of the replica to its index in the model's table list
   */
  static void apply(
      RowGradients rows, long nowMs, Map<EmbeddingTable, Integer> tableIndex, Changes changes) {
    List<EmbeddingTable> touched = new ArrayList<>();
    List<long[]> touchedIds = new ArrayList<>();
    List<float[]> before = new ArrayList<>();
    rows.forEachTable(
        (table, ids, values, count) -> {
          int dim = table.dim();
          float[] old = new float[count * dim];
          for (int r = 0; r < count; r++) {
            table.copyWeights(ids[r], old, r * dim);
          }
          touched.add(table);
          touchedIds.add(Arrays.copyOf(ids, count));
          before.add(old);
        });
    rows.apply(nowMs);
    for (int i = 0; i < touched.size(); i++) {
      EmbeddingTable table = touched.get(i);
      int t = tableIndex.get(table);
      int dim = table.dim();
      long[] ids = touchedIds.get(i);
      float[] delta = before.get(i);
      float[] after = new float[dim];
      for (int r = 0; r < ids.length; r++) {
        table.copyWeights(ids[r], after, 0);
        int o = r * dim;
        boolean changed = false;
        for (int j = 0; j < dim; j++) {
          float d = after[j] - delta[o + j];
          delta[o + j] = d;
          changed |= d != 0f;
        }
        if (changed) {
          changes.changed(t, ids[r], delta, o);
        }
      }
    }
  }
}
