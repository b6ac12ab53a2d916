package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.LazyAdam;
import io.darestream.model.embedding.RowInitializer;
import org.junit.jupiter.api.Test;

/**
 * Sums per row, first-touch order and clearing, the same whether a row is found by hash probe or,
 * for ids in the dense range, by array index.
 */
class RowGradientsTest {
  private static EmbeddingTable table(String name) {
    return new EmbeddingTable(
        name, 2, new LazyAdam(0.1f), new RowInitializer(1, name, 0.01f), 1, 0);
  }

  @Test
  void denseAndHashedIdsSumAlikeInFirstTouchOrder() {
    EmbeddingTable hashedTable = table("hashed");
    EmbeddingTable denseTable = table("dense");
    RowGradients grads = new RowGradients();
    RowGradients.TableGradient hashed = grads.of(hashedTable);
    RowGradients.TableGradient dense = grads.of(denseTable, 4);
    long[] ids = {3, -1, 0, 3, 7, 4, 0, Long.MAX_VALUE, -1};
    float[] src = {1f, 2f, 3f, 4f};
    for (int i = 0; i < ids.length; i++) {
      hashed.add(ids[i], src, i % 3, 0.5f * i);
      dense.add(ids[i], src, i % 3, 0.5f * i);
    }
    long[] firstTouch = {3, -1, 0, 7, 4, Long.MAX_VALUE};
    assertThat(grads.ids(hashedTable)).containsExactly(firstTouch);
    assertThat(grads.ids(denseTable)).containsExactly(firstTouch);
    for (long id : firstTouch) {
      assertThat(grads.get(denseTable, id)).containsExactly(grads.get(hashedTable, id));
    }
    // id 3: 0 * src[0..2) + 1.5 * src[0..2); id 0: 1.0 * src[2..4) + 3.0 * src[0..2).
    assertThat(grads.get(denseTable, 3)).containsExactly(1.5f, 3f);
    assertThat(grads.get(denseTable, 0)).containsExactly(3f + 3f, 4f + 6f);
    assertThat(grads.get(denseTable, 1)).isNull();
  }

  @Test
  void clearForgetsDenseRows() {
    EmbeddingTable t = table("dense");
    RowGradients grads = new RowGradients();
    RowGradients.TableGradient g = grads.of(t, 8);
    float[] src = {1f, 1f};
    g.add(5, src, 0, 2f);
    g.add(100, src, 0, 1f);
    grads.clear();
    assertThat(grads.get(t, 5)).isNull();
    assertThat(grads.ids(t)).isEmpty();
    g.add(6, src, 0, 1f);
    g.add(5, src, 0, 1f);
    assertThat(grads.ids(t)).containsExactly(6, 5);
    assertThat(grads.get(t, 5)).containsExactly(1f, 1f);
  }

  @Test
  void rowsFoundBySlotAndByIdShareOneAccumulator() {
    EmbeddingTable t = table("slots");
    t.writeRow(42, new float[] {0f, 0f});
    RowGradients grads = new RowGradients();
    RowGradients.TableGradient g = grads.of(t);
    float[] src = {1f, 2f};
    g.addAt(t.slot(42), 42, src, 0, 1f);
    g.add(42, src, 0, 2f);
    g.addAt(t.slot(43), 43, src, 0, 1f); // no row yet: found by hash
    g.add(43, src, 0, 1f);
    assertThat(grads.ids(t)).containsExactly(42, 43);
    assertThat(grads.get(t, 42)).containsExactly(3f, 6f);
    assertThat(grads.get(t, 43)).containsExactly(2f, 4f);
    assertThat(grads.apply(0)).isEqualTo(2);
    assertThat(t.contains(43)).isTrue();
  }

  @Test
  void slotsReadBeforeARemovalAreProbedAgainOnApply() {
    EmbeddingTable t = table("reuse");
    t.writeRow(1, new float[] {0f, 0f});
    t.writeRow(2, new float[] {0f, 0f});
    RowGradients grads = new RowGradients();
    RowGradients.TableGradient g = grads.of(t);
    grads.clear();
    int slotOf2 = t.slot(2);
    g.addAt(slotOf2, 2, new float[] {1f, 1f}, 0, 1f);
    // Row 2 goes away and id 3 takes its slot before the gradient is applied.
    t.remove(2);
    t.writeRow(3, new float[] {5f, 5f});
    assertThat(t.slot(3)).isEqualTo(slotOf2);

    grads.apply(0);

    float[] row3 = new float[2];
    t.copyWeights(3, row3, 0);
    assertThat(row3).containsExactly(5f, 5f);
    assertThat(t.contains(2)).isTrue();
  }
}
