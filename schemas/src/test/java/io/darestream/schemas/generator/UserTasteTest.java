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

/** Users' tastes: a side per topic that only the user's behaviours in that topic show. */
class UserTasteTest {
  private static GeneratorConfig.Builder stream(double strength) {
    return GeneratorConfig.builder()
        .setUsers(400)
        .setItems(2_000)
        .setBehaviorsPerUser(200)
        .optImpressionsPerUser(100)
        .optTasteStrength(strength)
        .optSeed(13);
  }

  /**
   * Fingerprints of {@link #stream}(0)'s streams as the generator made them before tastes existed
   * (commit a19d1d0), impressions and click-only: a strength of 0 must keep every earlier stream
   * event for event.
   */
  private static final long IMPRESSIONS_BEFORE_TASTES = -3134160418205361889L;

  private static final long CLICK_ONLY_BEFORE_TASTES = 1447000874877750913L;

  @Test
  void withoutTastesNoItemHasASideAndTheStreamIsTheOneMadeBeforeTastesExisted() {
    StreamGenerator plain = new StreamGenerator(stream(0).build());
    assertThat(ItemQualityTest.fingerprint(plain.events())).isEqualTo(IMPRESSIONS_BEFORE_TASTES);
    StreamGenerator clicks =
        new StreamGenerator(stream(0).optMode(GeneratorMode.CLICK_ONLY).build());
    assertThat(ItemQualityTest.fingerprint(clicks.events())).isEqualTo(CLICK_ONLY_BEFORE_TASTES);
    assertThat(plain.groundTruth().hasTastes()).isFalse();
    for (long item = 1; item <= 2_000; item++) {
      assertThat(plain.groundTruth().sideOf(item)).isZero();
    }
  }

  @Test
  void theSameSeedGivesTheSameTastesAndTheStrengthChangesTheStream() {
    GeneratorConfig config = stream(GeneratorConfig.STRONG_TASTE).build();
    long first = ItemQualityTest.fingerprint(new StreamGenerator(config).events());
    assertThat(ItemQualityTest.fingerprint(new StreamGenerator(config).events())).isEqualTo(first);
    assertThat(first).isNotEqualTo(IMPRESSIONS_BEFORE_TASTES);
    GroundTruth a = new StreamGenerator(config).groundTruth();
    GroundTruth b = new StreamGenerator(config).groundTruth();
    int ones = 0;
    for (long item = 1; item <= 2_000; item++) {
      assertThat(a.sideOf(item)).isEqualTo(b.sideOf(item));
      ones += a.sideOf(item);
    }
    assertThat(ones).isBetween(900, 1_100);
  }

  @Test
  void aUsersSideOfOneTopicSaysNothingOfAnother() {
    GroundTruth truth = new StreamGenerator(stream(1).build()).groundTruth();
    int same = 0;
    int pairs = 0;
    int preferOne = 0;
    for (long user = 1; user <= 400; user++) {
      int[] interests = truth.interestsOf(user);
      preferOne += truth.preferredSide(user, interests[0]);
      for (int i = 1; i < interests.length; i++) {
        same +=
            truth.preferredSide(user, interests[i]) == truth.preferredSide(user, interests[0])
                ? 1
                : 0;
        pairs++;
      }
    }
    // 800 pairs: the standard deviation of the share is 0.018.
    assertThat((double) same / pairs).isBetween(0.44, 0.56);
    assertThat(preferOne).isBetween(160, 240);
  }

  @Test
  void atFullStrengthAUserClicksOnlyThePreferredSideOfAnInterest() {
    StreamGenerator generator = new StreamGenerator(stream(1).build());
    GroundTruth truth = generator.groundTruth();
    Map<String, BehaviorEvent> impressions = new HashMap<>();
    Set<String> clicked = new HashSet<>();
    long organicOnInterest = 0;
    for (Iterator<BehaviorEvent> it = generator.events(); it.hasNext(); ) {
      BehaviorEvent e = it.next();
      int topic = truth.topicOf(e.getItemId());
      boolean interest = truth.isInterested(e.getUserId(), topic);
      if (e.getType() == BehaviorType.IMPRESSION) {
        impressions.put(e.getRequestId(), e);
      } else if (e.getRequestId() != null) {
        clicked.add(e.getRequestId());
      } else if (interest
          && truth.preferredSide(e.getUserId(), topic) != truth.sideOf(e.getItemId())) {
        // An organic click on the other side of an interest can only be popular noise that
        // happened to fall in the topic: the noise draws from the whole catalog.
        continue;
      } else if (interest) {
        organicOnInterest++;
      }
    }
    assertThat(organicOnInterest).isGreaterThan(20_000);
    // [preferred side] -> shown, clicked, over impressions of the user's interest topics
    long[] shown = new long[2];
    long[] clicks = new long[2];
    impressions.forEach(
        (request, e) -> {
          int topic = truth.topicOf(e.getItemId());
          if (truth.isInterested(e.getUserId(), topic)) {
            int preferred =
                truth.preferredSide(e.getUserId(), topic) == truth.sideOf(e.getItemId()) ? 1 : 0;
            shown[preferred]++;
            clicks[preferred] += clicked.contains(request) ? 1 : 0;
          }
        });
    // Impressions come from either side alike.
    assertThat(shown[0]).isGreaterThan(8_000);
    assertThat(shown[1]).isGreaterThan(8_000);
    assertThat((double) clicks[1] / shown[1]).isBetween(0.47, 0.53);
    assertThat((double) clicks[0] / shown[0]).isBetween(0.035, 0.065);
  }

  @Test
  void organicClicksLeanToThePreferredSideByTheStrength() {
    GeneratorConfig config = stream(0.6).optMode(GeneratorMode.CLICK_ONLY).build();
    StreamGenerator generator = new StreamGenerator(config);
    GroundTruth truth = generator.groundTruth();
    long[] bySide = new long[2]; // [preferred]
    for (Iterator<BehaviorEvent> it = generator.events(); it.hasNext(); ) {
      BehaviorEvent e = it.next();
      int topic = truth.topicOf(e.getItemId());
      // The burst's clicks: 80 % on an interest, so popular noise barely dilutes them.
      if (truth.isInterested(e.getUserId(), topic)) {
        bySide[truth.preferredSide(e.getUserId(), topic) == truth.sideOf(e.getItemId()) ? 1 : 0]++;
      }
    }
    double preferred = (double) bySide[1] / (bySide[0] + bySide[1]);
    // (1 + 0.6) / 2 = 0.8 of the clicks the user chooses on an interest; popular noise that
    // happens to fall in an interest topic is split evenly and is about an eighth of them here,
    // which brings the share to about 0.76.
    assertThat(preferred).isBetween(0.74, 0.81);
  }

  @Test
  void clickProbabilityMovesTheOtherSideTowardTheOffTopicRate() {
    GeneratorConfig config = stream(0.8).build();
    GroundTruth truth = new StreamGenerator(config).groundTruth();
    for (long user = 1; user <= 20; user++) {
      for (long item = 1; item <= 200; item++) {
        int topic = truth.topicOf(item);
        double expected =
            !truth.isInterested(user, topic)
                ? 0.05
                : truth.preferredSide(user, topic) == truth.sideOf(item) ? 0.5 : 0.05 + 0.2 * 0.45;
        assertThat(truth.clickProbability(user, item, config))
            .isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-12));
      }
    }
  }

  @Test
  void aStrengthOutOfRangeIsNamed() {
    for (double bad : new double[] {-0.1, Double.NaN, 1.5}) {
      assertThatThrownBy(() -> stream(bad).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tasteStrength must be in [0, 1], got " + bad);
    }
  }
}
