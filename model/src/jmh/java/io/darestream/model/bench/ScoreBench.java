package io.darestream.model.bench;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/** Serving's call: 100 candidates for one user at L = 1,000 (gather once, search per candidate). */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ScoreBench extends ModelBenchDefaults {
  @Param({"DARE", "TWIN"})
  Variant variant;

  private DareModel model;
  private long[] items;
  private long[] cats;
  private long[] candItems;
  private long[] candCats;

  @Setup
  public void setup() {
    model = DareModel.create(DareConfig.builder().variant(variant).maxHistory(1000).build());
    // Train a little so rows exist, as in serving.
    for (int i = 0; i < 3; i++) {
      model.trainBatch(TrainStepBench.batch(256, 1000, i));
    }
    TrainingSample s = TrainStepBench.batch(1, 1000, 9).get(0);
    items = s.historyItems();
    cats = s.historyCategories();
    SplittableRandom r = new SplittableRandom(3);
    candItems = new long[100];
    candCats = new long[100];
    for (int i = 0; i < 100; i++) {
      candItems[i] = r.nextInt(100_000);
      candCats[i] = candItems[i] % 1000;
    }
  }

  @Benchmark
  public float[] score100() {
    return model.score(items, cats, candItems, candCats);
  }
}
