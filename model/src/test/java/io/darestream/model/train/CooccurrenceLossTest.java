package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.embedding.EmbeddingTable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The search's co-occurrence loss teaches the search what users do together when the labels say
 * nothing: items 1-20 and 21-40 form two groups, every user's history is drawn from one group, and
 * every label is a coin flip. The attention rows of one group's items come to score each other
 * above the other group's with the loss, and not without it.
 */
class CooccurrenceLossTest {
  private static final int GROUP = 20;

  @Test
  void itemsThatShareHistoriesComeToScoreEachOtherHigher() {
    DareModel with = trained(1f);
    DareModel without = trained(0f);
    double gapWith = groupGap(with);
    double gapWithout = groupGap(without);
    assertThat(gapWith)
        .as("mean score within a group minus across groups, with the loss")
        .isGreaterThan(0.5);
    assertThat(gapWithout).as("the same without the loss").isLessThan(0.1);
  }

  @Test
  void theLossIsReportedAndTheSearchItTrainsPicksTheTargetsGroup() {
    DareModel model = trained(1f);
    List<TrainingSample> batch = batch(new SplittableRandom(99));
    assertThat(model.trainer().gradients(batch, true).cooccurrenceLoss()).isPositive();
    // A history of both groups, alternating; a target of the first group: the search (top 5 of
    // 20) should pick that group's behaviours.
    long[] mixed = new long[20];
    for (int i = 0; i < mixed.length; i++) {
      mixed[i] = i % 2 == 0 ? 1 + i : GROUP + 1 + i;
    }
    TrainingSample probe = Samples.sample(1000, 7, 1, mixed);
    long ofGroup = model.explain(probe).retrieved().stream().filter(b -> b.item() <= GROUP).count();
    assertThat(ofGroup).as("picks of the target's group among 5").isGreaterThanOrEqualTo(4);
  }

  private static DareModel trained(float weight) {
    DareConfig cfg =
        DareConfig.builder()
            .variant(Variant.DARE)
            .attentionDim(4)
            .representationDim(4)
            .topK(5)
            .maxHistory(20)
            .hiddenSizes(8)
            .microBatchSize(64)
            .searchLogitWeight(0f)
            .exactMatch(false)
            .cooccurrenceLossWeight(weight)
            .seed(5)
            .build();
    DareModel model = DareModel.create(cfg);
    SplittableRandom rng = new SplittableRandom(17);
    for (int step = 0; step < 300; step++) {
      model.trainBatch(batch(rng));
    }
    return model;
  }

  /** 32 users, each with a history of one group; random targets; coin-flip labels. */
  private static List<TrainingSample> batch(SplittableRandom rng) {
    List<TrainingSample> out = new ArrayList<>();
    for (int u = 0; u < 32; u++) {
      int offset = u % 2 == 0 ? 0 : GROUP;
      long[] history = new long[20];
      for (int i = 0; i < history.length; i++) {
        history[i] = offset + 1 + rng.nextInt(GROUP);
      }
      out.add(Samples.sample(u, 1 + rng.nextInt(2 * GROUP), rng.nextInt(2), history));
    }
    return out;
  }

  /** Mean dot product of two items' attention rows within a group, minus across the groups. */
  private static double groupGap(DareModel model) {
    EmbeddingTable items = model.table("att.item");
    int d = items.dim();
    float[][] rows = new float[2 * GROUP + 1][d];
    for (int id = 1; id <= 2 * GROUP; id++) {
      items.copyWeights(id, rows[id], 0);
    }
    double within = 0;
    double across = 0;
    int nWithin = 0;
    int nAcross = 0;
    for (int a = 1; a <= 2 * GROUP; a++) {
      for (int b = a + 1; b <= 2 * GROUP; b++) {
        double dot = 0;
        for (int j = 0; j < d; j++) {
          dot += rows[a][j] * rows[b][j];
        }
        if ((a <= GROUP) == (b <= GROUP)) {
          within += dot;
          nWithin++;
        } else {
          across += dot;
          nAcross++;
        }
      }
    }
    return within / nWithin - across / nAcross;
  }
}
