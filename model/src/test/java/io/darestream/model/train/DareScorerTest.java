package io.darestream.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.Samples;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A scorer is the trainer's forward over the same parameters with a workspace of its own: made
 * before any training, it sees every update (new rows, dense steps), and it scores each sample
 * exactly as the trainer's next step predicts it before updating.
 */
class DareScorerTest {
  @ParameterizedTest
  @CsvSource({"DARE,false", "DARE,true", "TWIN,false", "TWIN_PROJ,true"})
  void scorerMadeBeforeTrainingScoresAsTheTrainerPredicts(Variant variant, boolean aux) {
    DareConfig cfg =
        PinnedPredictionsTest.smallNetwork(variant)
            .microBatchSize(32)
            .auxiliaryLoss(aux)
            .seed(3)
            .build();
    DareParameters params = new DareParameters(cfg);
    DareScorer scorer = new DareScorer(params);
    DareTrainer trainer = new DareTrainer(params);
    float[] untrained = null;
    for (int step = 0; step < 4; step++) {
      List<TrainingSample> batch = Samples.random(32, 60, 30, 40 + step);
      float[] scores = scorer.predict(batch);
      if (untrained == null) {
        untrained = scores;
      }
      BatchResult r = trainer.trainStep(batch);
      assertThat(r.predictions()).as("step %d", step).isEqualTo(scores);
      assertThat(r.version()).isEqualTo(step + 1);
    }
    List<TrainingSample> first = Samples.random(32, 60, 30, 40);
    assertThat(scorer.predict(first)).as("the scorer sees the updates").isNotEqualTo(untrained);
    assertThat(params.version()).isEqualTo(4);
  }

  @ParameterizedTest
  @CsvSource({"DARE,6,false", "TWIN,3,false", "TWIN_PROJ,3,true"})
  void parametersHoldTheVariantsTableSets(Variant variant, int tables, boolean projected) {
    DareParameters params = new DareParameters(DareConfig.builder().variant(variant).build());
    assertThat(params.tables()).hasSize(tables);
    assertThat(params.attention() == params.representation()).isEqualTo(variant != Variant.DARE);
    assertThat(params.projections() != null).isEqualTo(projected);
    assertThat(params.dense().names())
        .filteredOn(n -> n.startsWith("proj."))
        .hasSize(projected ? 4 : 0);
  }
}
