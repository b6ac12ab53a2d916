package io.darestream.app.pretrain;

import io.darestream.jobs.bootstrap.HistoryReplay;
import io.darestream.jobs.bootstrap.PretrainedDir;
import io.darestream.jobs.bootstrap.SequenceSavepoint;
import io.darestream.jobs.bootstrap.UserState;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.jobs.train.PretrainedModel;
import io.darestream.model.BatchResult;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.metrics.BinnedAuc;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.validate.EventPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Pretrains on a time-ordered history, in one pass: the job's own label join ({@link
 * HistoryReplay}: sequences, label modes, novelty-matched negatives) makes the samples, a {@link
 * BatchEngine} trains the model on them in micro-batches (each sample scored before it is learnt,
 * as online), and at the end the model is written as a snapshot (the format serving and the trainer
 * read) and the sequence stage's state as a Flink savepoint ({@link SequenceSavepoint}), both under
 * one {@link PretrainedDir}.
 *
 * <p>Events are checked with the job's field policy; one that fails it is counted and skipped, as
 * the job sends it to the dead-letter topic. The history must be in time order (a file is sorted
 * first, as {@code replay} sorts it).
 */
public final class Pretrainer {
  private final DareJobOptions options;
  private final ModelOptions model;
  private final int batchSize;

  public Pretrainer(DareJobOptions options, ModelOptions model) {
    this.options = Objects.requireNonNull(options, "job options");
    this.model = Objects.requireNonNull(model, "model options");
    this.batchSize = options.trainer().microBatchSize();
  }

  /** What a pretraining run did. */
  public record Result(
      long events,
      long invalidEvents,
      long samples,
      long coldClicks,
      int users,
      double auc,
      long lastEventTimeMs,
      BehaviorEvent firstAfterUntil,
      DareModel model,
      PretrainedDir out) {}

  /**
   * Reads {@code events} up to and including {@code untilMs} (event time), trains, and writes the
   * snapshot and the savepoint into {@code out}, which must not exist yet. The first event after
   * {@code untilMs} is read but not used: it is returned, and the rest is left in {@code events}.
   *
   * @param engine the engine name and device ({@link BatchEngine#of})
   * @param scores hears every sample's pre-update prediction (the prequential scores)
   * @throws IllegalArgumentException if {@code out} exists, the history is not in time order, or it
   *     has no event up to {@code untilMs}
   */
  public Result run(
      Iterator<BehaviorEvent> events,
      long untilMs,
      String engine,
      String device,
      Path out,
      Consumer<Scored> scores)
      throws Exception {
    if (Files.exists(out)) {
      throw new IllegalArgumentException("output directory " + out + " exists already");
    }
    DareModel dare = DareModel.create(model.config());
    EventPolicy policy = options.ingest().policy();
    HistoryReplay replay = HistoryReplay.forJob(options);
    BinnedAuc auc = new BinnedAuc();
    List<TrainingSample> batch = new ArrayList<>(batchSize);
    long[] samples = {0};
    long invalid = 0;
    long last = Long.MIN_VALUE;
    BehaviorEvent after = null;
    try (BatchEngine step = BatchEngine.of(engine, device, dare)) {
      Consumer<List<TrainingSample>> train =
          b -> {
            BatchResult r = step.trainStep(b);
            for (int i = 0; i < b.size(); i++) {
              auc.add(r.predictions()[i], b.get(i).label());
              scores.accept(new Scored(b.get(i), r.predictions()[i]));
            }
            samples[0] += b.size();
            b.clear();
          };
      replay.onSample(
          s -> {
            batch.add(s);
            if (batch.size() >= batchSize) {
              train.accept(batch);
            }
          });
      while (events.hasNext()) {
        BehaviorEvent e = events.next();
        if (e.getEventTimeMs() > untilMs) {
          after = e;
          break;
        }
        if (policy.checkFields(e).isPresent()) {
          invalid++;
          continue;
        }
        last = e.getEventTimeMs();
        replay.feed(new IngestedEvent(e, e.getEventTimeMs()));
      }
      if (!batch.isEmpty()) {
        train.accept(batch);
      }
    }
    if (replay.events() == 0) {
      throw new NoValidEventException();
    }
    PretrainedDir dir = new PretrainedDir(out);
    Files.createDirectories(out);
    PretrainedModel.write(
        dare,
        model.modelId(),
        dir.snapshots(),
        Map.of(
            "samples_trained",
            (double) samples[0],
            "auc_pretrain",
            Double.isNaN(auc.auc()) ? 0 : auc.auc()));
    List<UserState> users = replay.users();
    SequenceSavepoint.write(
        dir.savepoint(), options.sequence(), users, replay.samplerWindow(), options.parallelism());
    return new Result(
        replay.events(),
        invalid,
        samples[0],
        replay.coldClicks(),
        users.size(),
        auc.auc(),
        last,
        after,
        dare,
        dir);
  }

  /** A sample and the model's prediction for it before learning from it. */
  public record Scored(TrainingSample sample, float prediction) {}

  /** The history held no valid event at or before the cut: nothing to pretrain. */
  public static final class NoValidEventException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    NoValidEventException() {
      super("no valid event at or before the --until time");
    }
  }
}
