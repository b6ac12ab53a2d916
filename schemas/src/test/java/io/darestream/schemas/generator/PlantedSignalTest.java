package io.darestream.schemas.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The structure a long-sequence model should find is really in the stream. */
class PlantedSignalTest {
  private static final GeneratorConfig CONFIG =
      GeneratorConfig.builder()
          .setUsers(200)
          .setItems(5_000)
          .setBehaviorsPerUser(200)
          .optImpressionsPerUser(50)
          .optSeed(11)
          .build();

  @Test
  void clicksDependOnWhetherTheTargetTopicIsAnInterest() {
    StreamGenerator generator = new StreamGenerator(CONFIG);
    GroundTruth truth = generator.groundTruth();
    Map<String, Boolean> relevantByRequest = new HashMap<>();
    Set<String> clicked = new HashSet<>();
    for (Iterator<BehaviorEvent> it = generator.events(); it.hasNext(); ) {
      BehaviorEvent e = it.next();
      if (e.getType() == BehaviorType.IMPRESSION) {
        relevantByRequest.put(
            e.getRequestId(), truth.isInterested(e.getUserId(), truth.topicOf(e.getItemId())));
      } else if (e.getRequestId() != null) {
        clicked.add(e.getRequestId());
      }
    }
    long[] shown = new long[2];
    long[] clicks = new long[2];
    relevantByRequest.forEach(
        (request, relevant) -> {
          int k = relevant ? 1 : 0;
          shown[k]++;
          clicks[k] += clicked.contains(request) ? 1 : 0;
        });
    double ctrRelevant = (double) clicks[1] / shown[1];
    double ctrOther = (double) clicks[0] / shown[0];

    assertThat(shown[1]).isGreaterThan(3_000);
    assertThat(shown[0]).isGreaterThan(3_000);
    assertThat(ctrRelevant).isBetween(0.45, 0.55);
    assertThat(ctrOther).isBetween(0.03, 0.07);
  }

  @Test
  void interestsShowMostlyFarBackInTheHistory() {
    StreamGenerator generator = new StreamGenerator(CONFIG);
    GroundTruth truth = generator.groundTruth();
    long earlyOn = 0;
    long early = 0;
    long recentOn = 0;
    long recent = 0;
    for (long user = 1; user <= CONFIG.users(); user++) {
      List<BehaviorEvent> history = new ArrayList<>();
      generator
          .eventsOf(user)
          .forEachRemaining(
              e -> {
                if (e.getType() == BehaviorType.CLICK && e.getRequestId() == null) {
                  history.add(e);
                }
              });
      assertThat(history).hasSize(CONFIG.behaviorsPerUser());
      for (int i = 0; i < history.size(); i++) {
        BehaviorEvent e = history.get(i);
        boolean on = truth.isInterested(user, truth.topicOf(e.getItemId()));
        if (i < 60) { // the burst: first 30%
          early++;
          earlyOn += on ? 1 : 0;
        } else if (i >= 150) { // the most recent 25%
          recent++;
          recentOn += on ? 1 : 0;
        }
      }
    }
    // On-interest share: 0.8 in the burst plus noise that lands on an interest by chance (~3/50);
    // 0.1 recently plus the same chance.
    assertThat((double) earlyOn / early).isBetween(0.75, 0.9);
    assertThat((double) recentOn / recent).isBetween(0.1, 0.25);
  }

  @Test
  void topicsCutAcrossCategories() {
    GroundTruth truth = new StreamGenerator(CONFIG).groundTruth();
    Map<Long, Map<Integer, Integer>> topicsByCategory = new HashMap<>();
    for (long item = 1; item <= truth.items(); item++) {
      topicsByCategory
          .computeIfAbsent(truth.categoryOf(item), c -> new HashMap<>())
          .merge(truth.topicOf(item), 1, Integer::sum);
    }
    for (Map<Integer, Integer> topics : topicsByCategory.values()) {
      int items = topics.values().stream().mapToInt(Integer::intValue).sum();
      int largest = topics.values().stream().mapToInt(Integer::intValue).max().orElse(0);
      if (items >= 30) {
        assertThat(topics.size()).as("topics in a category").isGreaterThanOrEqualTo(15);
        assertThat((double) largest / items).as("largest topic share").isLessThan(0.5);
      }
    }
  }

  @Test
  void relevanceNeedsTheSameTopicAndAnInterest() {
    GroundTruth truth = new StreamGenerator(CONFIG).groundTruth();
    long user = 5;
    int interest = truth.interestsOf(user)[0];
    int other = 0;
    while (truth.isInterested(user, other)) {
      other++;
    }
    long a = itemOfTopic(truth, interest, 0);
    long b = itemOfTopic(truth, interest, a);
    long c = itemOfTopic(truth, other, 0);
    long d = itemOfTopic(truth, other, c);

    assertThat(truth.isRelevant(user, a, b)).isTrue();
    assertThat(truth.isRelevant(user, c, b)).isFalse(); // other topic
    assertThat(truth.isRelevant(user, c, d)).isFalse(); // same topic, not an interest
    assertThat(truth.interestsOf(user)).hasSize(3).doesNotHaveDuplicates().isSorted();
  }

  @Test
  void itemPopularityIsZipfSkewed() {
    GeneratorConfig noiseOnly =
        GeneratorConfig.builder()
            .setUsers(200)
            .setItems(10_000)
            .setBehaviorsPerUser(500)
            .optMode(GeneratorMode.CLICK_ONLY)
            .optOnTopic(0, 0)
            .build();
    StreamGenerator generator = new StreamGenerator(noiseOnly);
    GroundTruth truth = generator.groundTruth();
    long[] byRank = new long[truth.items() + 1];
    long total = 0;
    for (Iterator<BehaviorEvent> it = generator.events(); it.hasNext(); ) {
      byRank[truth.popularityRank(it.next().getItemId())]++;
      total++;
    }
    long top1Percent = 0;
    for (int rank = 1; rank <= 100; rank++) {
      top1Percent += byRank[rank];
    }
    // Zipf s=1 over 10,000 items: P(rank 1) = 1/H(10000) ~ 0.102, top 1% ~ 0.53, rank 1/rank 10 =
    // 10.
    assertThat((double) byRank[1] / total).isBetween(0.09, 0.115);
    assertThat((double) top1Percent / total).isBetween(0.5, 0.56);
    assertThat((double) byRank[1] / byRank[10]).isBetween(7.0, 13.0);
  }

  private static long itemOfTopic(GroundTruth truth, int topic, long except) {
    for (long item = 1; item <= truth.items(); item++) {
      if (item != except && truth.topicOf(item) == topic) {
        return item;
      }
    }
    throw new AssertionError("no item of topic " + topic);
  }
}
