package io.darestream.model.eval;

import static io.darestream.schemas.testing.Events.click;
import static io.darestream.schemas.testing.Events.event;
import static io.darestream.schemas.testing.Events.impression;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.StreamGenerator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Impression samples: labels from the clicks of each request, histories of clicks only. */
class ImpressionSamplesTest {

  @Test
  void anImpressionIsLabelledByTheClickOfItsRequestAndSeesOnlyTheClicksBefore() {
    List<BehaviorEvent> events =
        List.of(
            click(1, 10, 100, 1_000),
            click(2, 20, 200, 1_500),
            impression(1, 11, 101, 2_000, "r1"),
            click(1, 12, 102, 3_000),
            impression(1, 13, 103, 4_000, "r2"),
            event("c-r2", 1, 13, 103, BehaviorType.CLICK, 5_000, "r2"),
            impression(2, 21, 201, 6_000, "r3"),
            impression(1, 14, 104, 7_000, "r4"));

    List<TrainingSample> samples = ImpressionSamples.inTimeOrder(events.iterator(), 2);

    assertThat(samples).extracting(TrainingSample::targetItem).containsExactly(11L, 13L, 21L, 14L);
    assertThat(samples).extracting(TrainingSample::label).containsExactly(0, 1, 0, 0);
    assertThat(samples.get(0).historyItems()).containsExactly(10L);
    // Newest first, impressions left out, the labelling click in the history of later ones only.
    assertThat(samples.get(1).historyItems()).containsExactly(12L, 10L);
    assertThat(samples.get(1).targetCategory()).isEqualTo(103L);
    assertThat(samples.get(2).historyItems()).containsExactly(20L);
    assertThat(samples.get(3).historyItems()).containsExactly(13L, 12L); // L = 2
  }

  @Test
  void theGeneratorsImpressionsBecomeSamplesAndTheirClicksTheirLabels() {
    GeneratorConfig config =
        GeneratorConfig.builder()
            .setUsers(40)
            .setItems(300)
            .setBehaviorsPerUser(40)
            .optImpressionsPerUser(20)
            .build();
    List<TrainingSample> samples =
        ImpressionSamples.inTimeOrder(new StreamGenerator(config).events(), 30);
    long labelClicks = 0;
    for (var it = new StreamGenerator(config).events(); it.hasNext(); ) {
      BehaviorEvent e = it.next();
      labelClicks += e.getType() == BehaviorType.CLICK && e.getRequestId() != null ? 1 : 0;
    }
    assertThat(samples).hasSize(40 * 20);
    assertThat(samples.stream().filter(s -> s.label() == 1).count()).isEqualTo(labelClicks);
    List<Long> times = new ArrayList<>();
    samples.forEach(s -> times.add(s.eventTimeMs()));
    assertThat(times).isSorted();
  }

  @Test
  void theSplitIsByTimeEightyTenTen() {
    List<BehaviorEvent> events = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      events.add(impression(1 + i % 7, 1 + i, 1, 1_000L * (100 - i), "r" + i));
    }
    List<TrainingSample> samples = ImpressionSamples.inTimeOrder(events.iterator(), 5);
    ProtocolSplit split = ImpressionSamples.split(samples);
    assertThat(split.train()).hasSize(80);
    assertThat(split.validation()).hasSize(10);
    assertThat(split.test()).hasSize(10);
    assertThat(split.users()).isEqualTo(7);
    assertThat(split.train().get(79).eventTimeMs())
        .isLessThan(split.validation().get(0).eventTimeMs());
    assertThat(split.validation().get(9).eventTimeMs())
        .isLessThan(split.test().get(0).eventTimeMs());
    assertThatThrownBy(() -> ImpressionSamples.split(samples.subList(0, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 impression samples are too few");
  }
}
