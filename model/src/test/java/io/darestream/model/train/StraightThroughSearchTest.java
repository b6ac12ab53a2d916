package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareModel;
import io.darestream.model.RetrievedBehaviour;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The straight-through search gradient: with it, every behaviour of the history gets an attention
 * row gradient, not only the K the search picked; the representation rows' gradient is the top K's
 * either way.
 */
class StraightThroughSearchTest {
  private static final TrainingSample SAMPLE = Samples.sample(1, 11, 1, 1, 2, 3, 4, 5, 6, 7, 8);

  @Test
  void unpickedBehavioursLearnOnlyWithTheStraightThroughGradient() {
    DareModel plain = model(false);
    DareModel straight = model(true);
    Set<Long> picked = new HashSet<>();
    for (RetrievedBehaviour b : plain.explain(SAMPLE).retrieved()) {
      picked.add(SAMPLE.historyItem(b.position() - 1));
    }
    assertThat(picked).hasSize(3);

    Gradients p = plain.trainer().gradients(List.of(SAMPLE), true);
    Set<Long> plainAttention = ids(p, table(plain, "att.item"));
    float[][] plainRepr = rows(p, table(plain, "repr.item"), SAMPLE.historyItems());
    Gradients s = straight.trainer().gradients(List.of(SAMPLE), true);
    Set<Long> straightAttention = ids(s, table(straight, "att.item"));
    float[][] straightRepr = rows(s, table(straight, "repr.item"), SAMPLE.historyItems());

    Set<Long> history = Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    Set<Long> expectedPlain = new HashSet<>(picked);
    expectedPlain.add(11L);
    assertThat(plainAttention).as("top K and the target only").isEqualTo(expectedPlain);
    assertThat(straightAttention).as("every behaviour and the target").containsAll(history);
    assertThat(straightRepr).isDeepEqualTo(plainRepr);
  }

  private static DareModel model(boolean straightThrough) {
    return DareModel.create(TinyDare.config().straightThroughSearch(straightThrough).build());
  }

  private static EmbeddingTable table(DareModel m, String name) {
    return m.tables().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  private static Set<Long> ids(Gradients g, EmbeddingTable t) {
    Set<Long> out = new HashSet<>();
    for (long id : g.rows().ids(t)) {
      float[] row = g.rows().get(t, id);
      for (float v : row) {
        if (v != 0f) {
          out.add(id);
          break;
        }
      }
    }
    return out;
  }

  private static float[][] rows(Gradients g, EmbeddingTable t, long[] ids) {
    float[][] out = new float[ids.length][];
    Set<Long> present = new HashSet<>();
    for (long id : g.rows().ids(t)) {
      present.add(id);
    }
    for (int i = 0; i < ids.length; i++) {
      out[i] = present.contains(ids[i]) ? g.rows().get(t, ids[i]) : new float[0];
    }
    return out;
  }
}
