package io.darestream.model.bench;

import io.darestream.model.BatchResult;
import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.Variant;
import io.darestream.model.eval.Sequences;
import io.darestream.model.sampling.NegativeSampler;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One prequential training step (score, backward, sparse and dense updates) on a micro-batch of 256
 * with K = 20, 16 dims per field. Samples/s = 256 / time. Two inputs:
 *
 * <ul>
 *   <li>{@code uniform}: one fixed batch of 256 unrelated histories whose ids are uniform over 100k
 *       items and 1k categories, trained again and again — the worst case for the gather (almost
 *       every behaviour a different, mostly never-trained row) and the figure of earlier rounds.
 *   <li>{@code stream}: what the streaming job feeds the trainer — the project's generator (click
 *       only, 100k Zipf-popular items, 100 categories, 2,000 users with 500 clicks each at L = 200,
 *       fewer and longer users at larger L, about 1M events in all), each click with the history as
 *       of its time and one sampled negative sharing that history, in global time order; 40
 *       consecutive batches from the second half of the stream (histories full at L = 200), trained
 *       in turn.
 * </ul>
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrainStepBench extends ModelBenchDefaults {
  private static final int BATCH = 256;

  @Param({"200", "2000"})
  int length;

  @Param({"DARE", "TWIN"})
  Variant variant;

  @Param({"uniform", "stream"})
  String input;

  /**
   * The auxiliary loss: off, the full softmax over all L ({@code full}), or over the top K plus 20
   * sampled ({@code sampled}); or, without it, the straight-through search gradient over all L
   * ({@code st}) or the top K plus 20 sampled ({@code st-sampled}).
   */
  @Param({"off"})
  String aux = "off";

  private DareModel model;
  private List<List<TrainingSample>> batches;
  private int next;

  @Setup
  public void setup() {
    model =
        DareModel.create(
            DareConfig.builder()
                .variant(variant)
                .maxHistory(length)
                .auxiliaryLoss(aux.equals("full") || aux.equals("sampled"))
                .auxiliarySamples(aux.endsWith("sampled") ? 20 : 0)
                .straightThroughSearch(aux.startsWith("st"))
                .build());
    batches = input.equals("stream") ? streamBatches(length, 40) : List.of(batch(BATCH, length, 1));
  }

  public static List<TrainingSample> batch(int n, int length, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TrainingSample> out = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      long[] h = new long[length];
      long[] c = new long[length];
      for (int i = 0; i < length; i++) {
        h[i] = r.nextInt(100_000);
        c[i] = h[i] % 1000;
      }
      long t = r.nextInt(100_000);
      out.add(new TrainingSample(s, t, t % 1000, r.nextInt(2), 0, 0, h, c));
    }
    return out;
  }

  /**
   * Consecutive batches of the click-only stream, as the sequence operator emits them: a positive
   * per click with the user's newest {@code length} behaviours before it, plus one negative.
   */
  public static List<List<TrainingSample>> streamBatches(int length, int count) {
    int perUser = Math.max(500, 2 * length + 100);
    GeneratorConfig config =
        GeneratorConfig.builder()
            .setUsers(Math.max(200, 1_000_000 / perUser))
            .setItems(100_000)
            .setBehaviorsPerUser(perUser)
            .optMode(GeneratorMode.CLICK_ONLY)
            .build();
    NegativeSampler sampler = new NegativeSampler(50_000, 7);
    Map<Long, long[][]> histories = new HashMap<>();
    Map<Long, Integer> lengths = new HashMap<>();
    long skip = config.historyEvents() / 2;
    List<List<TrainingSample>> out = new ArrayList<>();
    List<TrainingSample> current = new ArrayList<>(BATCH);
    long seen = 0;
    for (Iterator<BehaviorEvent> it = new StreamGenerator(config).events();
        it.hasNext() && out.size() < count; ) {
      BehaviorEvent e = it.next();
      long user = e.getUserId();
      long[][] h = histories.computeIfAbsent(user, u -> new long[2][perUser]);
      int n = lengths.getOrDefault(user, 0);
      if (seen++ >= skip) {
        TrainingSample positive =
            new TrainingSample(
                user,
                e.getItemId(),
                e.getCategoryId(),
                1,
                e.getEventTimeMs(),
                e.getEventTimeMs(),
                Sequences.historyBefore(h[0], n, length),
                Sequences.historyBefore(h[1], n, length));
        current.add(positive);
        current.addAll(sampler.negatives(positive, 1));
        if (current.size() >= BATCH) {
          out.add(new ArrayList<>(current.subList(0, BATCH)));
          current = new ArrayList<>(current.subList(BATCH, current.size()));
        }
      }
      sampler.observe(e.getItemId(), e.getCategoryId());
      h[0][n] = e.getItemId();
      h[1][n] = e.getCategoryId();
      lengths.put(user, n + 1);
    }
    return out;
  }

  @Benchmark
  public BatchResult trainStep() {
    List<TrainingSample> batch = batches.get(next);
    next = (next + 1) % batches.size();
    return model.trainBatch(batch);
  }
}
