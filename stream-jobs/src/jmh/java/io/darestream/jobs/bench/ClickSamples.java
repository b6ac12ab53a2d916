package io.darestream.jobs.bench;

import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * The benches' prepared training samples, made lazily: the generator's click-only stream (2,000
 * users, 50,000 items, 300 clicks each, seed 7), each click a positive plus one random negative,
 * with the user's history (newest first, at most 200 behaviours). Only the histories are held.
 */
final class ClickSamples implements Iterator<TrainingSample> {
  private static final int ITEMS = 50_000;
  private static final int MAX_HISTORY = 200;

  private final Iterator<BehaviorEvent> events =
      new StreamGenerator(
              GeneratorConfig.builder()
                  .setUsers(2000)
                  .setItems(ITEMS)
                  .setBehaviorsPerUser(300)
                  .optMode(GeneratorMode.CLICK_ONLY)
                  .optSeed(7)
                  .build())
          .events();
  private final Map<Long, long[][]> histories = new HashMap<>();
  private final Random random = new Random(7);
  private TrainingSample negative;

  @Override
  public boolean hasNext() {
    return negative != null || events.hasNext();
  }

  @Override
  public TrainingSample next() {
    if (negative != null) {
      TrainingSample n = negative;
      negative = null;
      return n;
    }
    if (!events.hasNext()) {
      throw new NoSuchElementException();
    }
    BehaviorEvent e = events.next();
    long[][] h = histories.computeIfAbsent(e.getUserId(), u -> new long[][] {{}, {}});
    long t = e.getEventTimeMs();
    long neg = random.nextInt(ITEMS);
    negative = new TrainingSample(e.getUserId(), neg, neg % 100, 0, t, t, h[0], h[1]);
    histories.put(e.getUserId(), push(h, e.getItemId(), e.getCategoryId()));
    return new TrainingSample(e.getUserId(), e.getItemId(), e.getCategoryId(), 1, t, t, h[0], h[1]);
  }

  /** The history with (item, category) as its newest behaviour, capped at 200. */
  private static long[][] push(long[][] h, long item, long category) {
    int n = Math.min(MAX_HISTORY, h[0].length + 1);
    long[] items = new long[n];
    long[] cats = new long[n];
    items[0] = item;
    cats[0] = category;
    System.arraycopy(h[0], 0, items, 1, n - 1);
    System.arraycopy(h[1], 0, cats, 1, n - 1);
    return new long[][] {items, cats};
  }
}
