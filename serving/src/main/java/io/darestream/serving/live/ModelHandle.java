package io.darestream.serving.live;

import io.darestream.serving.scoring.ModelVersion;
import io.darestream.serving.scoring.ScoreOutput;
import io.darestream.serving.scoring.UserHistory;
import io.darestream.state.snapshot.DeltaOffset;
import java.util.List;
import java.util.Map;

/**
 * One model loaded from a snapshot, as serving drives it: score, write delta rows, report sizes.
 * {@link ModelGeneration} guards it: scoring runs under its read lock (concurrently), row writes
 * under its write lock, so an implementation needs no locking of its own but must allow concurrent
 * scoring calls.
 */
public interface ModelHandle extends RowWriter, AutoCloseable {
  String modelId();

  /** Epoch and version of the snapshot this model was loaded from. */
  ModelVersion snapshotPosition();

  /**
   * Per writer of {@code model-deltas}, the version the snapshot holds of it: a record of the
   * snapshot's epoch older than its writer's is already in the snapshot. A single trainer's
   * snapshot has one writer (0); a set of parts of the sharded stage one per part.
   */
  default Map<Integer, Long> writerVersions() {
    return Map.of(0, snapshotPosition().version());
  }

  /** Where the snapshot was loaded from, for {@code GET /v1/model}. */
  String snapshotLocation();

  /** The {@code model-deltas} positions the snapshot already contains: tail from there. */
  List<DeltaOffset> deltaOffsets();

  /** The longest history the model reads (the newest behaviours beyond it are what count). */
  int maxHistory();

  Map<String, Long> rowsPerTable();

  /**
   * Scores the candidates ({@code items[i]}, {@code categories[i]}) for a user with {@code
   * history}; explains if asked. The arrays are read, never changed.
   */
  ScoreOutput score(UserHistory history, long[] items, long[] categories, boolean explain);

  /**
   * The current weights of row {@code id} of {@code table} (the deterministic initial value for an
   * id without a row), or of a dense block for a table named {@code dense.<block>} (id ignored), as
   * in the deltas.
   */
  float[] readWeights(String table, long id);

  /** Frees what the model holds; called once no request uses it any more. */
  @Override
  void close();
}
