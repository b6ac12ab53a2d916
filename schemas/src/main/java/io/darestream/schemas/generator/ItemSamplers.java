package io.darestream.schemas.generator;

import java.util.SplittableRandom;

/**
 * Popularity-weighted item draws: from the whole catalog (noise, popular items) or from one topic
 * (on-interest behaviour). Within a topic items keep their global Zipf weights, so popular items
 * are popular everywhere.
 */
final class ItemSamplers {
  private final ZipfSampler global;
  private final ZipfSampler[] byTopic;

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
  }

  int popular(SplittableRandom rng) {
    return global.sample(rng);
  }

  int ofTopic(int topic, SplittableRandom rng) {
    return byTopic[topic].sample(rng);
  }
}
