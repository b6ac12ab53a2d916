package io.darestream.app.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.serving.ServingServer;
import java.util.HashMap;
import java.util.Map;

/** Checks that serving holds a trainer's model exactly, for the tests that run both. */
public final class ServedModelAssertions {
  private ServedModelAssertions() {}

  /**
   * Every row of every table and every dense block: serving's values equal the trainer's, bit for
   * bit, and serving reports the trainer's row count per table (so it holds no extra rows).
   */
  public static void assertServesExactly(ServingServer serving, DareModel trainer) {
    int rows = 0;
    for (EmbeddingTable t : trainer.tables()) {
      float[] expected = new float[t.dim()];
      for (long id : t.ids()) {
        t.copyWeights(id, expected, 0);
        assertThat(serving.readWeights(t.name(), id))
            .as("%s row %d", t.name(), id)
            .isEqualTo(expected);
        rows++;
      }
    }
    assertThat(rows).isPositive();
    for (String block : trainer.dense().names()) {
      assertThat(serving.readWeights(ModelDeltas.DENSE_PREFIX + block, 0))
          .as("dense block %s", block)
          .isEqualTo(trainer.dense().block(block).values());
    }
    assertThat(serving.modelStatus().orElseThrow().rowsPerTable()).isEqualTo(rowsPerTable(trainer));
  }

  /** Live rows per table as serving's status reports them, the dense blocks as one "table". */
  private static Map<String, Long> rowsPerTable(DareModel model) {
    Map<String, Long> out = new HashMap<>();
    model.counters().forEach((name, c) -> out.put(name, (long) c.live()));
    out.put("dense", (long) model.dense().names().size());
    return out;
  }
}
