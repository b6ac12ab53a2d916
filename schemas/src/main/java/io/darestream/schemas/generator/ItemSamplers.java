package io.darestream.schemas.generator;

import java.util.SplittableRandom;

/**
 * Popularity-weighted item draws: from the whole catalog (noise, popular items), from one topic
 * (on-interest behaviour) or, with tastes, from one side of one topic. Within a topic items keep
 * their global Zipf weights, so popular items are popular everywhere.
 */
final class ItemSamplers {
  private final ZipfSampler global;
  private final ZipfSampler[] byTopic;
  private final ZipfSampler[][] byTopicSide; // null without tastes

  ItemSamplers(GroundTruth truth, double exponent) {
    int[] byRank = truth.itemsByRank();
    int[] ranks = new int[byRank.length];
    int[] perTopic = new int[truth.topics()];
    for (int r = 0; r < byRank.length; r++) {
      ranks[r] = r + 1;
      perTopic[truth.topicOf(byRank[r])]++;
    }
    this.global = new ZipfSampler(byRank, ranks, exponent);
    int[][] topicItems = new int[truth.topics()][];
    int[][] topicRanks = new int[truth.topics()][];
    for (int t = 0; t < perTopic.length; t++) {
      topicItems[t] = new int[perTopic[t]];
      topicRanks[t] = new int[perTopic[t]];
    }
    int[] filled = new int[truth.topics()];
    for (int r = 0; r < byRank.length; r++) {
      int t = truth.topicOf(byRank[r]);
      topicItems[t][filled[t]] = byRank[r];
      topicRanks[t][filled[t]] = r + 1;
      filled[t]++;
    }
    this.byTopic = new ZipfSampler[truth.topics()];
    for (int t = 0; t < byTopic.length; t++) {
      byTopic[t] = new ZipfSampler(topicItems[t], topicRanks[t], exponent);
    }
    this.byTopicSide =
        truth.hasTastes() ? sideSamplers(truth, topicItems, topicRanks, exponent) : null;
  }

  /** Per topic and side; a side without an item of the topic falls back to the whole topic. */
  private static ZipfSampler[][] sideSamplers(
      GroundTruth truth, int[][] topicItems, int[][] topicRanks, double exponent) {
    ZipfSampler[][] samplers = new ZipfSampler[topicItems.length][2];
    for (int t = 0; t < topicItems.length; t++) {
      for (int side = 0; side < 2; side++) {
        int count = 0;
        for (int item : topicItems[t]) {
          count += truth.sideOf(item) == side ? 1 : 0;
        }
        if (count == 0) {
          samplers[t][side] = new ZipfSampler(topicItems[t], topicRanks[t], exponent);
          continue;
        }
        int[] items = new int[count];
        int[] ranks = new int[count];
        int filled = 0;
        for (int i = 0; i < topicItems[t].length; i++) {
          if (truth.sideOf(topicItems[t][i]) == side) {
            items[filled] = topicItems[t][i];
            ranks[filled++] = topicRanks[t][i];
          }
        }
        samplers[t][side] = new ZipfSampler(items, ranks, exponent);
      }
    }
    return samplers;
  }

  int popular(SplittableRandom rng) {
    return global.sample(rng);
  }

  int ofTopic(int topic, SplittableRandom rng) {
    return byTopic[topic].sample(rng);
  }

  /** An item of one side of {@code topic}; only with tastes. */
  int ofTopicSide(int topic, int side, SplittableRandom rng) {
    return byTopicSide[topic][side].sample(rng);
  }
}
