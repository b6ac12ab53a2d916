package io.darestream.serving.live;

import io.darestream.model.DareModel;
import io.darestream.model.Explanation;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.TableNames;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.ModelDelta;
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
 * <p>Deltas are applied with the model module's {@link ModelDeltas}, the code that encodes them in
 * the trainer, so both sides agree on the format by construction.
 */
public final class DareModelHandle implements ModelHandle {
  private final String modelId;
  private final DareModel model;
  private final ModelVersion snapshot;
  private final String location;
  private final List<DeltaOffset> deltaOffsets;
  private final Map<Integer, Long> writerVersions;

  /**
   * A model loaded from a single trainer's snapshot (one writer, 0, at the snapshot's version).
   *
   * @param deltaOffsets the {@code model-deltas} positions the snapshot already contains
   */
  public DareModelHandle(
      String modelId,
      DareModel model,
      ModelVersion snapshot,
      String location,
      List<DeltaOffset> deltaOffsets) {
    this(modelId, model, snapshot, location, deltaOffsets, Map.of(0, snapshot.version()));
  }

  /**
   * A model loaded from a snapshot with several writers (a set of parts of the sharded stage).
   *
   * @param writerVersions per writer, the version the snapshot holds of it
   */
  public DareModelHandle(
      String modelId,
      DareModel model,
      ModelVersion snapshot,
      String location,
      List<DeltaOffset> deltaOffsets,
      Map<Integer, Long> writerVersions) {
    this.modelId = Objects.requireNonNull(modelId, "modelId");
    this.model = Objects.requireNonNull(model, "model");
    this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
    this.location = Objects.requireNonNull(location, "location");
    this.deltaOffsets = List.copyOf(deltaOffsets);
    this.writerVersions = Map.copyOf(writerVersions);
  }

  @Override
  public Map<Integer, Long> writerVersions() {
    return writerVersions;
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
    out.put(TableNames.DENSE, (long) model.dense().names().size());
    return out;
  }

  @Override
  public ScoreOutput score(UserHistory history, long[] items, long[] categories, boolean explain) {
    int n = items.length;
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
        picks.add(
            new RetrievedBehavior(b.item(), b.category(), b.position(), b.score(), b.weight()));
      }
      retrieved.add(picks);
    }
    return new ScoreOutput(scores, retrieved);
  }

  @Override
  public void apply(ModelDelta delta) {
    ModelDeltas.apply(model, delta);
  }

  @Override
  public float[] readWeights(String table, long id) {
    if (table.startsWith(ModelDeltas.DENSE_PREFIX)) {
      return model.dense().block(table.substring(ModelDeltas.DENSE_PREFIX.length())).values();
    }
    EmbeddingTable t = model.table(table);
    float[] out = new float[t.dim()];
    model.withoutWriters(() -> t.copyWeights(id, out, 0));
    return out;
  }

  @Override
  public void close() {
    // Heap only: the tables and dense blocks go with the last reference.
  }
}
