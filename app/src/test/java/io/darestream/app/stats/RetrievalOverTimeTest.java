package io.darestream.app.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.RetrievalNdcg;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GroundTruth;
import io.darestream.schemas.generator.StreamGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Retrieval quality over time: trainers measuring at once add up as one trainer would. */
class RetrievalOverTimeTest {
  private static final long HOUR = 3_600_000L;

  @Test
  void measurementsFromSeveralThreadsAddUpAsFromOne() throws Exception {
    GroundTruth truth =
        new StreamGenerator(
                GeneratorConfig.builder()
                    .setUsers(30)
                    .setItems(200)
                    .setBehaviorsPerUser(40)
                    .build())
            .groundTruth();
    DareModel model =
        DareModel.create(DareConfig.builder().topK(5).maxHistory(20).hiddenSizes(8).build());
    List<TrainingSample> samples = samples(truth, 400);

    RetrievalOverTime alone = new RetrievalOverTime(5);
    for (TrainingSample s : samples) {
      alone.measure(model, s, truth);
    }
    RetrievalOverTime shared = new RetrievalOverTime(5);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = first; i < samples.size(); i += 4) {
                    shared.measure(model, samples.get(i), truth);
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    RetrievalNdcg a = alone.overall();
    RetrievalNdcg b = shared.overall();
    assertThat(a.queries()).as("clicks with a history").isGreaterThan(100);
    assertThat(b.queries()).isEqualTo(a.queries());
    assertThat(b.skipped()).isEqualTo(a.skipped());
    assertThat(b.ndcg()).isCloseTo(a.ndcg(), within(1e-9));
    assertThat(b.randomNdcg()).isCloseTo(a.randomNdcg(), within(1e-9));
    assertThat(shared.points(1)).hasSameSizeAs(alone.points(1));
  }

  /**
   * Clicks and non-clicks of users 1..30 on an item of one of their interest topics, with histories
   * of which about half share that topic; spread over 4 hours.
   */
  private static List<TrainingSample> samples(GroundTruth truth, int n) {
    List<List<Long>> byTopic = new ArrayList<>();
    for (int t = 0; t < truth.topics(); t++) {
      byTopic.add(new ArrayList<>());
    }
    for (long item = 1; item <= truth.items(); item++) {
      byTopic.get(truth.topicOf(item)).add(item);
    }
    SplittableRandom r = new SplittableRandom(3);
    List<TrainingSample> out = new ArrayList<>();
    while (out.size() < n) {
      long user = 1 + r.nextInt(truth.users());
      int topic = r.nextInt(truth.topics());
      if (!truth.isInterested(user, topic) || byTopic.get(topic).isEmpty()) {
        continue;
      }
      List<Long> ofTopic = byTopic.get(topic);
      int len = 1 + r.nextInt(25);
      long[] items = new long[len];
      long[] cats = new long[len];
      for (int j = 0; j < len; j++) {
        items[j] =
            r.nextBoolean() ? ofTopic.get(r.nextInt(ofTopic.size())) : 1 + r.nextInt(truth.items());
        cats[j] = truth.categoryOf(items[j]);
      }
      long target = ofTopic.get(r.nextInt(ofTopic.size()));
      long time = out.size() * (4 * HOUR / n);
      out.add(
          new TrainingSample(
              user, target, truth.categoryOf(target), r.nextInt(2), time, time, items, cats));
    }
    return out;
  }
}
