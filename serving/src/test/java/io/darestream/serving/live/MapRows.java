package io.darestream.serving.live;

import java.util.HashMap;
import java.util.Map;

/** In-memory {@link RowWriter} with fixed tables, for the delta rules. */
final class MapRows implements RowWriter {
  final Map<String, Integer> dims = new HashMap<>(Map.of("att.item", 2, "repr.item", 3));
  final Map<String, Map<Long, float[]>> rows = new HashMap<>();

  @Override
  public boolean accepts(String table, int dim) {
    return dims.containsKey(table) && dims.get(table) == dim;
  }

  @Override
  public void writeRow(String table, long id, float[] values) {
    rows.computeIfAbsent(table, t -> new HashMap<>()).put(id, values);
  }

  float first(String table, long id) {
    float[] v = rows.getOrDefault(table, Map.of()).get(id);
    return v == null ? Float.NaN : v[0];
  }
}
