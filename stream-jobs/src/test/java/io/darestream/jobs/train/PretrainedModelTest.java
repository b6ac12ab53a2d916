package io.darestream.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.testing.TrainingSamples;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pretrained model's snapshot: written, loaded row for row, refused when it does not fit. */
class PretrainedModelTest {
  @TempDir Path root;

  private static DareConfig config(long seed) {
    return DareConfig.builder()
        .attentionDim(4)
        .representationDim(8)
        .topK(4)
        .maxHistory(20)
        .hiddenSizes(16, 8)
        .seed(seed)
        .build();
  }

  private static DareModel trained(DareConfig config) {
    DareModel m = DareModel.create(config);
    m.trainBatch(TrainingSamples.random(200, 7, 1, 20, 5, 30));
    return m;
  }

  @Test
  void loadsWhatWasWrittenWithEveryRowMarkedForTheFirstCheckpoint() throws Exception {
    DareModel pretrained = trained(config(1));
    Path dir = PretrainedModel.write(pretrained, "dare", root, Map.of("samples_trained", 200.0));

    // From the snapshot directory and from the root (the newest valid snapshot under it).
    for (Path location : new Path[] {dir, root}) {
      DareModel loaded = PretrainedModel.load(location, config(1));
      assertThat(loaded.version()).isEqualTo(pretrained.version());
      for (EmbeddingTable t : pretrained.tables()) {
        EmbeddingTable l = loaded.table(t.name());
        assertThat(l.size()).isEqualTo(t.size()).isPositive();
        assertThat(l.dirty().pendingFlush()).isEqualTo(t.size());
        for (long id : t.ids()) {
          float[] expected = new float[t.dim()];
          float[] actual = new float[t.dim()];
          t.copyWeights(id, expected, 0);
          l.copyWeights(id, actual, 0);
          assertThat(actual).containsExactly(expected);
        }
      }
      for (String name : pretrained.dense().names()) {
        assertThat(loaded.dense().block(name).values())
            .containsExactly(pretrained.dense().block(name).values());
      }
    }
  }

  @Test
  void refusesAnotherConfigAndAMissingSnapshot() throws Exception {
    PretrainedModel.write(trained(config(1)), "dare", root, Map.of());

    assertThatThrownBy(() -> PretrainedModel.load(root, config(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another model config than the job's");
    assertThatThrownBy(() -> PretrainedModel.load(root.resolve("none"), config(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not exist");
  }
}
