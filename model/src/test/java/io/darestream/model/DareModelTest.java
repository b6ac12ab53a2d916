package io.darestream.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.metrics.Auc;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DareModelTest {
  private static DareConfig.Builder small() {
    return DareConfig.builder()
        .attentionDim(4)
        .representationDim(4)
        .maxHistory(20)
        .topK(5)
        .hiddenSizes(16, 8)
        .microBatchSize(64);
  }

  @Test
  void tableNamesPerVariant() {
    assertThat(DareModel.create(small().build()).tableNames())
        .containsExactly(
            "att.item",
            "att.category",
            "att.position",
            "repr.item",
            "repr.category",
            "repr.position");
    assertThat(DareModel.create(small().variant(Variant.TWIN).build()).tableNames())
        .containsExactly("shared.item", "shared.category", "shared.position");
    DareModel proj = DareModel.create(small().variant(Variant.TWIN_PROJ).build());
    assertThat(proj.dense().names())
        .contains("proj.query", "proj.key", "proj.value", "proj.target", "mlp.0.weight");
  }

  @Test
  void trainBatchReturnsPreUpdatePredictionsEqualToScore() {
    DareModel model = DareModel.create(small().build());
    List<TrainingSample> batch = Samples.random(100, 50, 30, 1);
    float[] before = model.score(batch);
    BatchResult r = model.trainBatch(batch);
    // The first micro-batch (64) is scored before any update; the rest after the first step.
    for (int i = 0; i < 64; i++) {
      assertThat(r.predictions()[i]).isEqualTo(before[i]);
    }
    assertThat(r.version()).isEqualTo(2);
    assertThat(model.score(batch)).isNotEqualTo(before);
    assertThat(model.table("repr.item").dirty().pendingPublish()).isPositive();
  }

  @Test
  void candidateScoringMatchesSampleScoringAndExplains() {
    DareModel model = DareModel.create(small().build());
    model.trainBatch(Samples.random(64, 50, 30, 2));
    TrainingSample s = Samples.random(1, 50, 30, 3).get(0);
    long[] items = {s.targetItem(), 3, 4};
    long[] cats = {s.targetCategory(), 3, 4};
    float[] scores = model.score(s.historyItems(), s.historyCategories(), items, cats);
    assertThat(scores[0]).isEqualTo(model.score(s));
    List<Explanation> ex = model.explain(s.historyItems(), s.historyCategories(), items, cats);
    assertThat(ex).hasSize(3);
    assertThat(ex.get(0).score()).isEqualTo(scores[0]);
    int expected = Math.min(5, Math.min(20, s.historyLength()));
    assertThat(ex.get(1).retrieved()).hasSize(expected);
    double sum = ex.get(1).retrieved().stream().mapToDouble(RetrievedBehaviour::weight).sum();
    if (expected > 0) {
      assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
      RetrievedBehaviour first = ex.get(1).retrieved().get(0);
      assertThat(first.item()).isEqualTo(s.historyItem(first.position() - 1));
    }
  }

  @Test
  void scoresSeeAWrittenPositionRowAtOnce() {
    // Position rows are copied once and reused while their tables are unchanged; a write (a delta)
    // must reach the very next score.
    DareModel model = DareModel.create(small().build());
    DareModel fresh = DareModel.create(small().build());
    TrainingSample s = Samples.random(1, 50, 30, 3).get(0);
    long[] items = {s.targetItem(), 3, 4};
    long[] cats = {s.targetCategory(), 3, 4};
    float[] before = model.score(s.historyItems(), s.historyCategories(), items, cats);
    for (String table : List.of("att.position", "repr.position")) {
      for (long position = 1; position <= 3; position++) {
        float[] row = {0.5f, -0.25f, 0.125f, 1f};
        model.writeRow(table, position, row);
        fresh.writeRow(table, position, row);
      }
    }
    float[] after = model.score(s.historyItems(), s.historyCategories(), items, cats);
    assertThat(after).isNotEqualTo(before);
    assertThat(after)
        .containsExactly(fresh.score(s.historyItems(), s.historyCategories(), items, cats));
  }

  @Test
  void identicalSeedsGiveIdenticalModels() {
    List<TrainingSample> data = Samples.random(128, 40, 25, 4);
    DareModel a = DareModel.create(small().build());
    DareModel b = DareModel.create(small().build());
    a.trainBatch(data);
    b.trainBatch(data);
    assertThat(a.score(data)).containsExactly(b.score(data));
  }

  /** Each user clicks items of one planted category; the model must learn to rank those first. */
  @Test
  void learnsAPlantedPreference() {
    for (Variant variant : Variant.values()) {
      DareModel model =
          DareModel.create(small().variant(variant).sparseLearningRate(0.05f).build());
      SplittableRandom r = new SplittableRandom(5);
      List<TrainingSample> test = new ArrayList<>();
      for (int round = 0; round < 40; round++) {
        List<TrainingSample> batch = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          batch.add(planted(r, r.nextInt(50)));
        }
        if (round == 39) {
          test = batch;
        } else {
          model.trainBatch(batch);
        }
      }
      float[] p = model.score(test);
      int[] y = test.stream().mapToInt(TrainingSample::label).toArray();
      assertThat(Auc.compute(p, y, p.length)).as(variant.name()).isGreaterThan(0.8);
    }
  }

  private static TrainingSample planted(SplittableRandom r, int user) {
    int liked = user % 5;
    long[] h = new long[15];
    long[] hc = new long[15];
    for (int i = 0; i < h.length; i++) {
      long cat = r.nextInt(4) == 0 ? r.nextInt(5) : liked;
      hc[i] = cat;
      h[i] = cat * 100 + r.nextInt(20);
    }
    boolean positive = r.nextBoolean();
    long cat = positive ? liked : (liked + 1 + r.nextInt(4)) % 5;
    long item = cat * 100 + r.nextInt(20);
    return new TrainingSample(user, item, cat, positive ? 1 : 0, 0, 0, h, hc);
  }
}
