package io.darestream.jobs.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.bootstrap.HistoryReplay;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.model.DareConfig;
import io.darestream.model.sampling.NegativeSampler;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.state.sequence.SequenceLimits;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The label join and the online trainer, without Flink ({@link HistoryReplay}: event-time timers
 * kept in one queue, the watermark at each event's time), on the generator's planted stream: the
 * prequential AUC must show that the model learns the planted long-range interest. A regression
 * test for label timing (positives and negatives must reach the trainer at the same delay; when
 * they did not, AUC fell far below 0.5).
 */
class ImpressionLabelLearningTest {

  @Test
  void impressionLabelsTrainAModelThatFindsThePlantedInterests() throws Exception {
    Configuration c = new Configuration();
    c.set(LabelOptions.MODE, LabelMode.IMPRESSION);
    c.set(LabelOptions.ATTRIBUTION_WINDOW, Duration.ofMinutes(2));
    UserTimeline timeline =
        new UserTimeline(
            SequenceLimits.builder().optMaxLength(100).build(),
            LabelOptions.from(c),
            new NegativeSampler(1000, 1));
    // The model this check was calibrated on (attention rows at 1, without the search's logit and
    // exact-match terms or its co-occurrence loss): it tests the label join. Today's defaults learn
    // this short stream (7,400 samples) slower: 0.59 over the second half (0.58 before the
    // co-occurrence loss), 0.98 with 3,000 users instead of 400 (MODEL.md, "The search's
    // exact-match terms", the cost of the defaults).
    DareConfig config =
        StructurelessStreamTest.smallModel().toBuilder()
            .attentionInitStd(1f)
            .searchLogitWeight(0f)
            .exactMatch(false)
            .cooccurrenceLossWeight(0f)
            .build();
    PrequentialRun trainer = new PrequentialRun(List.of(config));
    StreamGenerator generator =
        new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(400)
                .setItems(1500)
                .setBehaviorsPerUser(150)
                .optMode(GeneratorMode.IMPRESSIONS)
                .optSeed(11)
                .build());
    new HistoryReplay(timeline).run(generator.events(), trainer::add);
    trainer.finish();

    PrequentialRun.Scores scores = trainer.scores(0);
    int n = scores.size();
    assertThat(n).isGreaterThan(5_000);
    double late = scores.aucOfLast(n / 2);
    // Measured 0.7x on this stream (seed 11) with every row initialised N(0, 0.01²), 0.75 with
    // every row N(0, 1), 0.93 with DARE's attention rows N(0, 1) (the default from issue 17 to
    // 2026-12-07); the planted click rates (0.5 on interest topics, 0.05 elsewhere) allow far
    // more, a model that learns nothing gives 0.5.
    System.out.println("prequential AUC, second half: " + late);
    assertThat(late).isGreaterThan(0.65);
  }
}
