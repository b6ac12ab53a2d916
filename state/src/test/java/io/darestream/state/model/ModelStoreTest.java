package io.darestream.state.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.state.StateStoreException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
  @TempDir Path dir;

  static ModelStoreLayout layout() {
    return ModelStoreLayout.builder().addTable("att.item", 4).addTable("repr.item", 6).build();
  }

  @Test
  void rowsDenseAndMetaRoundTripAcrossReopen() {
    try (ModelStore store = ModelStore.open(dir, layout())) {
      store.putRows(
          "att.item",
          new long[] {5, 1, -3},
          new float[] {1, 2, 3, 4, 5, 6, 7, 8, Float.NaN, -0f, Float.MIN_VALUE, 9});
      store.putDense("mlp.w1", new float[] {0.5f, -1.5f});
      store.putMeta("epoch", new byte[] {7});
      store.deleteRows("att.item", new long[] {1, 99});
      assertThat(store.getRow("att.item", 1)).isNull();
    }
    try (ModelStore store = ModelStore.openReadOnly(dir)) {
      assertThat(store.layout()).isEqualTo(layout());
      assertThat(store.getRow("att.item", 5)).containsExactly(1, 2, 3, 4);
      float[] row = store.getRow("att.item", -3);
      assertThat(Float.floatToRawIntBits(row[1])).isEqualTo(Float.floatToRawIntBits(-0f));
      assertThat(store.getDense("mlp.w1")).containsExactly(0.5f, -1.5f);
      assertThat(store.getMeta("epoch")).containsExactly(7);
      Map<Long, float[]> seen = new HashMap<>();
      store.forEachRow("att.item", (id, r) -> seen.put(id, r.clone()));
      assertThat(seen).containsOnlyKeys(5L, -3L);
    }
  }

  @Test
  void refusesAWidthChangeAndUnknownTables() {
    try (ModelStore store = ModelStore.open(dir, layout())) {
      assertThatThrownBy(() -> store.putRows("nope", new long[] {1}, new float[4]))
          .hasMessageContaining("unknown table 'nope'");
      assertThatThrownBy(() -> store.putRows("att.item", new long[] {1, 2}, new float[4]))
          .hasMessageContaining("need 8 floats");
    }
    ModelStoreLayout changed = ModelStoreLayout.builder().addTable("att.item", 5).build();
    assertThatThrownBy(() -> ModelStore.open(dir, changed))
        .isInstanceOf(StateStoreException.class)
        .hasMessageContaining("width 4");
    // adding a table is fine, and old tables stay
    ModelStoreLayout more = ModelStoreLayout.builder().addTable("att.category", 4).build();
    try (ModelStore store = ModelStore.open(dir, more)) {
      assertThat(store.layout().widths()).containsKeys("att.item", "repr.item", "att.category");
    }
  }

  @Test
  void aRateLimitedStoreKeepsWhatItWritesThroughACheckpoint() {
    Path db = dir.resolve("limited");
    Path checkpoint = dir.resolve("limited-checkpoint");
    assertThatThrownBy(() -> ModelStore.open(db, layout(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bytesPerSecond");
    try (ModelStore store = ModelStore.open(db, layout(), 1L << 20)) {
      store.putRows("att.item", new long[] {7, 8}, new float[] {1, 2, 3, 4, 5, 6, 7, 8});
      store.checkpoint(checkpoint);
    }
    try (ModelStore copy = ModelStore.openReadOnly(checkpoint)) {
      assertThat(copy.getRow("att.item", 8)).containsExactly(5, 6, 7, 8);
    }
  }

  @Test
  void layoutBuilderValidates() {
    assertThatThrownBy(() -> ModelStoreLayout.builder().build())
        .hasMessageContaining("At least one table");
    assertThatThrownBy(() -> ModelStoreLayout.builder().addTable("a/b", 1))
        .hasMessageContaining("table name");
    assertThatThrownBy(() -> ModelStoreLayout.builder().addTable("a", 1).addTable("a", 1))
        .hasMessageContaining("twice");
  }
}
