package io.darestream.serving.live;

import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.TableNames;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.serving.scoring.Candidate;
import io.darestream.serving.scoring.ModelVersion;
import io.darestream.serving.scoring.RetrievedBehavior;
import io.darestream.serving.scoring.ScoreOutput;
import io.darestream.serving.scoring.UserHistory;
import io.darestream.state.snapshot.DeltaOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link DareModel} as serving drives it. Scoring goes through the model module's own {@code
 * score} / {@code explain}, the trainer's forward pass, so serving's scores are the trainer's.
 *
 * <p>Rows of the {@code dense} table are dense parameter blocks: row id {@code i} is the {@code
 * i}-th name of {@code dense().names()}, and the row holds the whole block.
 */
public final class DareModelHandle implements ModelHandle {
  private final String modelId;
  private final DareModel model;
  private final ModelVersion snapshot;
  private final String location;
  private final List<String> denseNames;
  private final List<DeltaOffset> deltaOffsets;

  /**
   * @param deltaOffsets the {@code model-deltas} positions the snapshot already contains
   */
  public DareModelHandle(
      String modelId,
      DareModel model,
      ModelVersion snapshot,
      String location,
      List<DeltaOffset> deltaOffsets) {
    this.modelId = Objects.requireNonNull(modelId, "modelId");
    this.model = Objects.requireNonNull(model, "model");
    this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
    this.location = Objects.requireNonNull(location, "location");
    this.denseNames = model.dense().names();
    this.deltaOffsets = List.copyOf(deltaOffsets);
  }

  /** The wrapped model (for tests and tools). */
  public DareModel model() {
    return model;
  }

  @Override
  public String modelId() {
    return modelId;
  }

  @Override
  public ModelVersion snapshotPosition() {
    return snapshot;
  }

  @Override
  public String snapshotLocation() {
    return location;
  }

  @Override
  public List<DeltaOffset> deltaOffsets() {
    return deltaOffsets;
  }

  @Override
  public int maxHistory() {
    return model.config().maxHistory();
  }

  @Override
  public Map<String, Long> rowsPerTable() {
    Map<String, Long> out = new LinkedHashMap<>();
    model.counters().forEach((name, c) -> out.put(name, (long) c.live()));
    out.put(TableNames.DENSE, (long) denseNames.size());
    return out;
  }

  @Override
  public ScoreOutput score(UserHistory history, List<Candidate> candidates, boolean explain) {
    int n = candidates.size();
    long[] items = new long[n];
    long[] categories = new long[n];
    for (int i = 0; i < n; i++) {
      items[i] = candidates.get(i).itemId();
      categories[i] = candidates.get(i).categoryId();
    }
    if (!explain) {
      return new ScoreOutput(
          model.score(history.items(), history.categories(), items, categories), null);
    }
    List<Explanation> explained =
        model.explain(history.items(), history.categories(), items, categories);
    float[] scores = new float[n];
    List<List<RetrievedBehavior>> retrieved = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Explanation e = explained.get(i);
      scores[i] = e.score();
      List<RetrievedBehavior> picks = new ArrayList<>(e.retrieved().size());
      for (RetrievedBehaviour b : e.retrieved()) {
        picks.add(new RetrievedBehavior(b.item(), b.category(), b.position(), b.weight()));
      }
      retrieved.add(picks);
    }
    return new ScoreOutput(scores, retrieved);
  }

  @Override
  public boolean accepts(String table, int dim) {
    if (TableNames.DENSE.equals(table)) {
      // Blocks differ in size; each row is checked against its own block in writeRow.
      return model.dense().blocks().stream().anyMatch(b -> b.size() == dim);
    }
    if (!model.tableNames().contains(table)) {
      return false;
    }
    EmbeddingTable t = model.table(table);
    return dim == t.dim() || dim == t.rowWidth();
  }

  @Override
  public void writeRow(String table, long id, float[] values) {
    if (TableNames.DENSE.equals(table)) {
      if (id < 0 || id >= denseNames.size()) {
        throw new IllegalArgumentException(
            "dense block index " + id + " out of range [0, " + denseNames.size() + ")");
      }
      model.writeDense(new DenseBlock(denseNames.get((int) id), values));
    } else {
      model.writeRow(table, id, values);
    }
  }

  @Override
  public float[] readWeights(String table, long id) {
    if (TableNames.DENSE.equals(table)) {
      return model.dense().block(denseNames.get(Math.toIntExact(id))).values();
    }
    EmbeddingTable t = model.table(table);
    float[] out = new float[t.dim()];
    synchronized (model) { // the facade's lock guards its tables
      t.copyWeights(id, out, 0);
    }
    return out;
  }

  @Override
  public void close() {
    // Heap only: the tables and dense blocks go with the last reference.
  }
}
