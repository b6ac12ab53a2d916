package io.darestream.serving.live;

import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import java.util.ArrayList;
import java.util.List;

/** Test factory of {@code ModelDelta} records. */
final class Deltas {
  static final String MODEL = "m1";

  private Deltas() {}

  /** One record of {@code table} by {@code writer} with rows {@code id -> value repeated dim}. */
  static ModelDelta delta(
      long epoch, long version, int writer, String table, int dim, long... idValuePairs) {
    ModelDelta d = delta(epoch, version, table, dim, idValuePairs);
    d.setWriter(writer);
    return d;
  }

  /** One record of {@code table} with rows {@code id -> value repeated dim times}. */
  static ModelDelta delta(long epoch, long version, String table, int dim, long... idValuePairs) {
    List<DeltaRow> rows = new ArrayList<>();
    for (int i = 0; i < idValuePairs.length; i += 2) {
      float[] v = new float[dim];
      java.util.Arrays.fill(v, idValuePairs[i + 1]);
      rows.add(new DeltaRow(idValuePairs[i], ModelDeltas.packRow(v)));
    }
    return ModelDelta.newBuilder()
        .setModelId(MODEL)
        .setEpoch(epoch)
        .setVersion(version)
        .setTable(table)
        .setDim(dim)
        .setRows(rows)
        .setNewestEventTimeMs(1_000)
        .setMinIngestTimeMs(1_000)
        .setMaxIngestTimeMs(1_500)
        .setPublishTimeMs(2_000)
        .build();
  }
}
