package io.darestream.schemas.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Item quality: a planted click effect independent of the topic, and no change without it. */
class ItemQualityTest {
  private static GeneratorConfig.Builder small() {
    return GeneratorConfig.builder()
        .setUsers(60)
        .setItems(800)
        .setBehaviorsPerUser(80)
        .optImpressionsPerUser(40)
        .optSeed(7);
  }

  /**
   * Fingerprint of {@link #small()}'s stream as the generator made it before item quality existed
   * (commit 5c61dcb): a spread of 0 must keep every earlier stream event for event.
   */
  private static final long STREAM_BEFORE_QUALITY = 9168539897673023295L;

  @Test
  void withoutSpreadTheStreamIsTheOneMadeBeforeQualityExisted() {
    StreamGenerator generator = new StreamGenerator(small().build());
    assertThat(fingerprint(generator.events())).isEqualTo(STREAM_BEFORE_QUALITY);
    for (long item = 1; item <= 800; item++) {
      assertThat(generator.groundTruth().qualityOf(item)).isZero();
    }
  }

  @Test
  void theSameSeedAndSpreadGiveTheSameStreamAndTheSpreadChangesIt() {
    GeneratorConfig config = small().optQualitySpread(0.8).build();
    long first = fingerprint(new StreamGenerator(config).events());
    assertThat(fingerprint(new StreamGenerator(config).events())).isEqualTo(first);
    assertThat(first).isNotEqualTo(STREAM_BEFORE_QUALITY);
    assertThat(new StreamGenerator(config).groundTruth().qualityOf(5))
        .isEqualTo(new StreamGenerator(config).groundTruth().qualityOf(5))
        .isNotZero();
  }

  @Test
  void qualityHasTheConfiguredSpreadAndDoesNotFollowTheTopic() {
    GroundTruth truth =
        new StreamGenerator(
                GeneratorConfig.builder()
                    .setUsers(10)
                    .setItems(20_000)
                    .setBehaviorsPerUser(10)
                    .optQualitySpread(0.8)
                    .build())
            .groundTruth();
    double sum = 0;
    double squares = 0;
    double[] byTopic = new double[truth.topics()];
    int[] perTopic = new int[truth.topics()];
    for (long item = 1; item <= truth.items(); item++) {
      double q = truth.qualityOf(item);
      sum += q;
      squares += q * q;
      byTopic[truth.topicOf(item)] += q;
      perTopic[truth.topicOf(item)]++;
    }
    double mean = sum / truth.items();
    assertThat(mean).isBetween(-0.03, 0.03);
    assertThat(Math.sqrt(squares / truth.items() - mean * mean)).isBetween(0.77, 0.83);
    for (int t = 0; t < truth.topics(); t++) {
      // 400 items per topic: the standard error of a topic's mean quality is 0.04.
      assertThat(byTopic[t] / perTopic[t]).isBetween(-0.2, 0.2);
    }
  }

  @Test
  void betterItemsAreClickedMoreOftenWhateverTheTopicMatch() {
    GeneratorConfig config =
        GeneratorConfig.builder()
            .setUsers(400)
            .setItems(2_000)
            .setBehaviorsPerUser(200)
            .optImpressionsPerUser(100)
            .optQualitySpread(1.6)
            .optSeed(11)
            .build();
    StreamGenerator generator = new StreamGenerator(config);
    GroundTruth truth = generator.groundTruth();
    Map<String, BehaviorEvent> impressions = new HashMap<>();
    Set<String> clicked = new HashSet<>();
    for (Iterator<BehaviorEvent> it = generator.events(); it.hasNext(); ) {
      BehaviorEvent e = it.next();
      if (e.getType() == BehaviorType.IMPRESSION) {
        impressions.put(e.getRequestId(), e);
      } else if (e.getRequestId() != null) {
        clicked.add(e.getRequestId());
      }
    }
    // [topic match][quality above 0] -> shown, clicked
    long[][] shown = new long[2][2];
    long[][] clicks = new long[2][2];
    impressions.forEach(
        (request, e) -> {
          int match = truth.isInterested(e.getUserId(), truth.topicOf(e.getItemId())) ? 1 : 0;
          int good = truth.qualityOf(e.getItemId()) > 0 ? 1 : 0;
          shown[match][good]++;
          clicks[match][good] += clicked.contains(request) ? 1 : 0;
        });
    for (int match = 0; match < 2; match++) {
      double good = (double) clicks[match][1] / shown[match][1];
      double poor = (double) clicks[match][0] / shown[match][0];
      assertThat(shown[match][0]).isGreaterThan(4_000);
      assertThat(shown[match][1]).isGreaterThan(4_000);
      // Half-normal means at spread 1.6: +-1.28 log-odds, an odds ratio of e^2.55 = 13 between
      // the halves at the item level; on click rates (0.5 and 0.05 at the middle) at least 2x.
      assertThat(good).as("match=%d", match).isGreaterThan(2 * poor);
    }
    // The topic still decides more than quality does: relevant poor items beat irrelevant good.
    assertThat((double) clicks[1][0] / shown[1][0])
        .isGreaterThan((double) clicks[0][1] / shown[0][1]);
  }

  @Test
  void clickProbabilityShiftsTheTopicsLogOddsByTheQuality() {
    GeneratorConfig config = small().optQualitySpread(0.8).build();
    GroundTruth truth = new StreamGenerator(config).groundTruth();
    for (long item = 1; item <= 50; item++) {
      for (long user = 1; user <= 3; user++) {
        double base =
            truth.isInterested(user, truth.topicOf(item))
                ? config.clickRelevant()
                : config.clickOther();
        double p = truth.clickProbability(user, item, config);
        double shift = Math.log(p / (1 - p)) - Math.log(base / (1 - base));
        assertThat(shift)
            .isCloseTo(truth.qualityOf(item), org.assertj.core.api.Assertions.within(1e-9));
      }
    }
  }

  @Test
  void aSpreadOutOfRangeIsNamed() {
    for (double bad : new double[] {-0.1, Double.NaN, 5.5}) {
      assertThatThrownBy(() -> small().optQualitySpread(bad).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("qualitySpread must be in [0, 5.0], got " + bad);
    }
  }

  /** Order-sensitive 64-bit hash of every field of every event. */
  static long fingerprint(Iterator<BehaviorEvent> events) {
    long h = 1125899906842597L;
    while (events.hasNext()) {
      BehaviorEvent e = events.next();
      String line =
          e.getEventId()
              + "|"
              + e.getUserId()
              + "|"
              + e.getItemId()
              + "|"
              + e.getCategoryId()
              + "|"
              + e.getType()
              + "|"
              + e.getEventTimeMs()
              + "|"
              + e.getRequestId();
      for (int i = 0; i < line.length(); i++) {
        h = 31 * h + line.charAt(i);
      }
    }
    return h;
  }
}
