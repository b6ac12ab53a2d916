package io.darestream.jobs.shard;

import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.SnapshotPartRows;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A copy of the weights of every row of a row owner's in-memory model, taken at a checkpoint's
 * barrier, from which its snapshot part is written later on another thread. Copying the rows out of
 * the model's contiguous tables costs milliseconds on the task thread; writing the part (Avro
 * records, a file, digests, fsync) costs hundreds, which would stop the owner, and through back
 * pressure every trainer, at every checkpoint. Rows are in id order per table, as a part read from
 * keyed state has them.
 */
final class RowsAtBarrier implements SnapshotPartRows.RowSource {
  private final List<Table> tables;

  /** One table's rows: {@code weights} holds {@code dim} floats per id, in the order of ids. */
  private record Table(String name, int dim, long[] ids, float[] weights) {}

  private RowsAtBarrier(List<Table> tables) {
    this.tables = tables;
  }

  /** The weights of every row of {@code model} now (under no other writer). */
  static RowsAtBarrier copy(DareModel model) {
    return model.withoutWriters(
        () -> {
          List<Table> out = new ArrayList<>(model.tables().size());
          for (EmbeddingTable t : model.tables()) {
            long[] ids = t.ids();
            Arrays.sort(ids);
            int dim = t.dim();
            float[] weights = new float[Math.multiplyExact(ids.length, dim)];
            for (int i = 0; i < ids.length; i++) {
              t.copyWeights(ids[i], weights, i * dim);
            }
            out.add(new Table(t.name(), dim, ids, weights));
          }
          return new RowsAtBarrier(out);
        });
  }

  /** Rows copied, all tables. */
  long rows() {
    return tables.stream().mapToLong(t -> t.ids.length).sum();
  }

  @Override
  public void writeTo(SnapshotPartRows.Writer out) throws IOException {
    for (Table t : tables) {
      float[] row = new float[t.dim];
      for (int i = 0; i < t.ids.length; i++) {
        System.arraycopy(t.weights, i * t.dim, row, 0, t.dim);
        out.addRow(t.name, t.dim, t.ids[i], row);
      }
    }
  }
}
