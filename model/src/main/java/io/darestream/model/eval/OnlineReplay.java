package io.darestream.model.eval;

import io.darestream.model.DareConfig;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.Auc;
import io.darestream.model.metrics.StreamingMetrics;
import io.darestream.model.sampling.ClickOnlyLabels;
import io.darestream.model.sampling.NegativeSampler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prequential replay: every behaviour of every user, in global time order, is labelled as the job's
 * CLICK_ONLY mode labels it ({@link ClickOnlyLabels}: a positive with {@code negatives} sampled
 * negatives once its item is warm); each micro-batch is scored first, then trained. This is what
 * the streaming trainer does, without Flink, and is how the sparse optimizers were compared.
 */
public final class OnlineReplay {
  /**
   * Metrics of a replay.
   *
   * @param samples samples scored
   * @param coldClicks behaviours whose item was not warm yet: no sample
   * @param auc AUC over all prequential predictions
   * @param lastWindowAuc AUC over the last window
   * @param lastWindowLogloss logloss over the last window
   * @param samplesPerSecond training throughput
   */
  public record Result(
      long samples,
      long coldClicks,
      double auc,
      double lastWindowAuc,
      double lastWindowLogloss,
      double samplesPerSecond) {}

  /** The job's default negative-sampler window (dare.label.sampler-window). */
  public static final int SAMPLER_WINDOW = 100_000;

  /** Sees each micro-batch with the model before the model trains on it (prequential probes). */
  @FunctionalInterface
  public interface BatchProbe {
    /**
     * @param model the model, not yet trained on {@code batch}
     * @param batch the samples about to be trained
     * @param position samples scored before this batch
     * @param total upper bound of the samples the replay scores
     */
    void beforeTraining(DareModel model, List<TrainingSample> batch, long position, long total);
  }

  private OnlineReplay() {}

  /** A replay with the job's default labels: warm minimum 1, history not excluded. */
  public static Result run(DareConfig config, List<UserSequence> users, int negatives) {
    return run(config, users, negatives, 1, false);
  }

  /**
   * @param warmMinCount occurrences in the sampler's window before an item's clicks are samples
   * @param excludeHistory whether negatives exclude the user's whole history
   */
  public static Result run(
      DareConfig config,
      List<UserSequence> users,
      int negatives,
      int warmMinCount,
      boolean excludeHistory) {
    return run(config, users, negatives, warmMinCount, excludeHistory, null);
  }

  /** As {@link #run(DareConfig, List, int, int, boolean)}, showing each batch to {@code probe}. */
  public static Result run(
      DareConfig config,
      List<UserSequence> users,
      int negatives,
      int warmMinCount,
      boolean excludeHistory,
      BatchProbe probe) {
    DareModel model = DareModel.create(config);
    ClickOnlyLabels labels =
        new ClickOnlyLabels(
            new NegativeSampler(SAMPLER_WINDOW, config.seed()),
            negatives,
            warmMinCount,
            excludeHistory);
    StreamingMetrics window = new StreamingMetrics(20_000);
    int total = users.stream().mapToInt(UserSequence::length).sum() * (1 + negatives);
    float[] all = new float[total];
    int[] labelOf = new int[total];
    int scored = 0;
    List<TrainingSample> batch = new ArrayList<>(config.microBatchSize());
    long start = System.nanoTime();
    for (TrainingSample positive : clicksInStreamOrder(users, config.maxHistory())) {
      batch.addAll(labels.label(positive));
      if (batch.size() >= config.microBatchSize()) {
        if (probe != null) {
          probe.beforeTraining(model, batch, scored, total);
        }
        scored = train(model, batch, window, all, labelOf, scored);
      }
    }
    if (!batch.isEmpty()) {
      if (probe != null) {
        probe.beforeTraining(model, batch, scored, total);
      }
      scored = train(model, batch, window, all, labelOf, scored);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    var snap = window.snapshot();
    return new Result(
        scored,
        labels.coldClicks(),
        Auc.compute(all, labelOf, scored),
        snap.auc(),
        snap.logloss(),
        scored / seconds);
  }

  /**
   * Every behaviour of {@code users} as a positive sample (its history: the user's {@code
   * maxHistory} behaviours before it, newest first), in the order of one merged stream: by time,
   * ties by user, then by position. What the online replay labels and trains on, in that order.
   */
  public static List<TrainingSample> clicksInStreamOrder(List<UserSequence> users, int maxHistory) {
    List<long[]> events = new ArrayList<>();
    Map<Long, UserSequence> byUser = new HashMap<>();
    for (UserSequence u : users) {
      byUser.put(u.userId(), u);
      for (int t = 0; t < u.length(); t++) {
        events.add(new long[] {u.timesMs()[t], u.userId(), t});
      }
    }
    events.sort(
        Comparator.comparingLong((long[] e) -> e[0])
            .thenComparingLong(e -> e[1])
            .thenComparingLong(e -> e[2]));
    List<TrainingSample> out = new ArrayList<>(events.size());
    for (long[] e : events) {
      UserSequence u = byUser.get(e[1]);
      int t = (int) e[2];
      out.add(
          new TrainingSample(
              u.userId(),
              u.items()[t],
              u.categories()[t],
              1,
              e[0],
              e[0],
              Sequences.historyBefore(u.items(), t, maxHistory),
              Sequences.historyBefore(u.categories(), t, maxHistory)));
    }
    return out;
  }

  /**
   * A prequential replay of samples that carry their labels already (e.g. {@link
   * ImpressionSamples}), in the given order: each micro-batch is shown to {@code probe} (nullable),
   * scored, then trained. Cold clicks are 0: nothing is left out.
   */
  public static Result runLabelled(
      DareConfig config, List<TrainingSample> inOrder, BatchProbe probe) {
    DareModel model = DareModel.create(config);
    StreamingMetrics window = new StreamingMetrics(20_000);
    int total = inOrder.size();
    float[] all = new float[total];
    int[] labelOf = new int[total];
    int scored = 0;
    List<TrainingSample> batch = new ArrayList<>(config.microBatchSize());
    long start = System.nanoTime();
    for (int from = 0; from < total; from += config.microBatchSize()) {
      batch.addAll(inOrder.subList(from, Math.min(total, from + config.microBatchSize())));
      if (probe != null) {
        probe.beforeTraining(model, batch, scored, total);
      }
      scored = train(model, batch, window, all, labelOf, scored);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    var snap = window.snapshot();
    return new Result(
        scored, 0, Auc.compute(all, labelOf, scored), snap.auc(), snap.logloss(), scored / seconds);
  }

  private static int train(
      DareModel model,
      List<TrainingSample> batch,
      StreamingMetrics window,
      float[] all,
      int[] labels,
      int scored) {
    float[] p = model.trainBatch(batch).predictions();
    for (int i = 0; i < p.length; i++) {
      TrainingSample s = batch.get(i);
      window.add(s.userId(), p[i], s.label());
      all[scored] = p[i];
      labels[scored] = s.label();
      scored++;
    }
    batch.clear();
    return scored;
  }
}
