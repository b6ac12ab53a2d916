package io.darestream.jobs.shard;

import io.darestream.jobs.train.PretrainedModel;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRange;

/**
 * The sharded stage's warm start ({@code dare.trainer.initial-snapshot}): what each of its
 * operators takes from the initial snapshot when it starts without restored state. A row owner
 * takes the rows of its own key groups (weights and whatever optimizer slots the snapshot holds),
 * the dense averager the dense blocks, a trainer the whole model as its replica. Each reads the
 * snapshot verified and checked against the job's model config, as the single trainer does ({@link
 * PretrainedModel#verified}).
 */
final class InitialSnapshot {
  private InitialSnapshot() {}

  /**
   * Writes the snapshot's rows whose key group is in {@code groups} into {@code model} (an owner's,
   * empty) and marks them changed, so that the owner's first publish sends them to serving and the
   * replicas and its first barrier writes them into its keyed state, as the single trainer does
   * with the whole model. The other rows are skipped as they are read: an owner holds only its
   * share.
   *
   * @param expected the job's model config, which the snapshot's must equal
   * @return the number of rows loaded
   */
  static long loadOwnedRows(
      Path location,
      DareConfig expected,
      DareModel model,
      RowRouting routing,
      KeyGroupRange groups) {
    VerifiedSnapshot snapshot = PretrainedModel.verified(location, expected);
    long[] loaded = {0};
    try (ModelStore store = snapshot.openStore()) {
      model.exclusive(
          () -> {
            for (EmbeddingTable t : model.tables()) {
              if (!store.layout().widths().containsKey(t.name())) {
                continue; // not in the snapshot: its rows read as initial values, as on load
              }
              checkWidth(snapshot, store, t);
              store.forEachRow(
                  t.name(),
                  (id, row) -> {
                    if (groups.contains(routing.keyGroupOf(id))) {
                      t.writeRow(id, row);
                      loaded[0]++;
                    }
                  });
              long[] ids = t.ids();
              t.dirty().markAll(ids, ids.length);
            }
          });
    }
    return loaded[0];
  }

  /**
   * Writes the snapshot's dense blocks into {@code model} (the dense averager's): the parameters
   * and the single trainer's Adam moments, which the averager keeps but does not average.
   */
  static void loadDense(Path location, DareConfig expected, DareModel model) {
    VerifiedSnapshot snapshot = PretrainedModel.verified(location, expected);
    try (ModelStore store = snapshot.openStore()) {
      for (Map.Entry<String, float[]> e : store.allDense().entrySet()) {
        try {
          model.writeDense(new DenseBlock(e.getKey(), e.getValue()));
        } catch (IllegalArgumentException mismatch) {
          throw new IllegalArgumentException(
              "the initial snapshot " + snapshot.directory() + " does not fit: " + mismatch,
              mismatch);
        }
      }
    }
  }

  /**
   * The whole snapshot as a trainer's replica: rows with their optimizer slots, dense blocks and
   * version, with no change recorded (a replica publishes and stores nothing).
   */
  static DareModel replica(Path location, DareConfig expected) {
    DareModel replica = PretrainedModel.load(location, expected);
    replica.withoutWriters(
        () -> {
          for (EmbeddingTable t : replica.tables()) {
            t.dirty().drainSinceFlush();
            t.dirty().drainSincePublish();
          }
        });
    return replica;
  }

  private static void checkWidth(VerifiedSnapshot snapshot, ModelStore store, EmbeddingTable t) {
    int width = store.width(t.name());
    if (width != t.rowWidth() && width != t.dim()) {
      throw new IllegalArgumentException(
          "the initial snapshot "
              + snapshot.directory()
              + " stores rows of "
              + width
              + " floats in "
              + t.name()
              + ", this model's rows have "
              + t.dim()
              + " weights and "
              + t.rowWidth()
              + " floats with optimizer slots");
    }
  }
}
