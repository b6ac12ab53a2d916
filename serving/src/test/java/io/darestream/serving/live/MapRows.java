package io.darestream.serving.live;

import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** In-memory {@link RowWriter} with fixed tables, for the delta rules. */
final class MapRows implements RowWriter {
  final Map<String, Integer> dims = new HashMap<>(Map.of("att.item", 2, "repr.item", 3));
  final Map<String, Map<Long, float[]>> rows = new HashMap<>();

  @Override
  public void apply(ModelDelta delta) {
    Integer dim = dims.get(delta.getTable());
    if (dim == null || dim != delta.getDim()) {
      throw new IllegalArgumentException("no table " + delta.getTable() + "/" + delta.getDim());
    }
    List<float[]> decoded = new ArrayList<>();
    for (DeltaRow r : delta.getRows()) {
      decoded.add(ModelDeltas.unpackRow(r.getValues(), dim)); // all rows checked first
    }
    for (int i = 0; i < decoded.size(); i++) {
      put(delta.getTable(), delta.getRows().get(i).getId(), decoded.get(i));
    }
  }

  void put(String table, long id, float[] values) {
    rows.computeIfAbsent(table, t -> new HashMap<>()).put(id, values);
  }

  float first(String table, long id) {
    float[] v = rows.getOrDefault(table, Map.of()).get(id);
    return v == null ? Float.NaN : v[0];
  }
}
