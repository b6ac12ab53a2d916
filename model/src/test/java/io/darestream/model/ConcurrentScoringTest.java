package io.darestream.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Scoring is read-only with per-view scratch: several threads scoring at once give exactly the
 * serial scores, and writes ({@link DareModel#exclusive}, training, deltas) never interleave with a
 * running score.
 */
class ConcurrentScoringTest {
  private static final int THREADS = 4;
  private static final int ROUNDS = 30;

  private static DareModel trained(Variant variant) {
    DareModel model =
        DareModel.create(
            DareConfig.builder()
                .variant(variant)
                .attentionDim(variant == Variant.DARE ? 4 : 8)
                .representationDim(8)
                .maxHistory(40)
                .topK(5)
                .hiddenSizes(16, 8)
                .microBatchSize(32)
                .build());
    model.trainBatch(Samples.random(96, 60, 40, 1));
    return model;
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void concurrentScoresEqualSerialScores(Variant variant) throws Exception {
    DareModel model = trained(variant);
    List<TrainingSample> users = Samples.random(THREADS * 4, 60, 40, 7);
    long[] candItems = new long[45]; // more than one micro-batch of candidates
    long[] candCats = new long[candItems.length];
    for (int i = 0; i < candItems.length; i++) {
      candItems[i] = 1 + i;
      candCats[i] = Samples.categoryOf(candItems[i], 5);
    }
    List<float[]> serial = new ArrayList<>();
    for (TrainingSample u : users) {
      serial.add(model.score(u.historyItems(), u.historyCategories(), candItems, candCats));
    }
    float[] serialSamples = model.score(users);

    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int offset = t;
        Callable<Boolean> task =
            () -> {
              start.await();
              boolean same = true;
              for (int round = 0; round < ROUNDS; round++) {
                int u = (offset + round) % users.size();
                TrainingSample s = users.get(u);
                float[] got =
                    model.score(s.historyItems(), s.historyCategories(), candItems, candCats);
                same &= java.util.Arrays.equals(got, serial.get(u));
                same &=
                    model
                            .explain(s.historyItems(), s.historyCategories(), candItems, candCats)
                            .get(3)
                            .score()
                        == serial.get(u)[3];
                same &= java.util.Arrays.equals(model.score(users), serialSamples);
              }
              return same;
            };
        results.add(pool.submit(task));
      }
      start.countDown();
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"DARE"})
  void writesNeverInterleaveWithARunningScore(Variant variant) throws Exception {
    DareModel model = trained(variant);
    TrainingSample s = Samples.random(1, 60, 40, 9).get(0);
    long[] items = {1, 2, 3};
    long[] cats = {1, 2, 3};
    // A writer that scales every dense block by 1 and back is invisible to a scorer only if the
    // two never interleave; scores must stay one of the two consistent values.
    float[] before = model.score(s.historyItems(), s.historyCategories(), items, cats);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      Future<Boolean> scorer =
          pool.submit(
              () -> {
                start.await();
                boolean same = true;
                for (int i = 0; i < 200; i++) {
                  same &=
                      java.util.Arrays.equals(
                          model.score(s.historyItems(), s.historyCategories(), items, cats),
                          before);
                }
                return same;
              });
      Future<?> writer =
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 200; i++) {
                  model.exclusive(
                      () -> {
                        for (DenseBlock b : model.dense().blocks()) {
                          float[] v = b.values();
                          float[] scrambled = v.clone();
                          java.util.Arrays.fill(scrambled, 0.5f);
                          model.dense().set(new DenseBlock(b.name(), scrambled));
                          model.dense().set(new DenseBlock(b.name(), v));
                        }
                      });
                }
                return null;
              });
      start.countDown();
      writer.get();
      assertThat(scorer.get()).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }
}
