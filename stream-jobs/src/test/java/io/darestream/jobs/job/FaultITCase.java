package io.darestream.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.ReplayOutput;
import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.TrainingSample;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.PartSetLoader;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recovery: the same stream replayed twice, once cleanly and once with an operator between the
 * sequence stage and the trainer that fails once after N samples (after a checkpoint with training
 * in it is complete). Flink restarts once (fixed delay, one attempt); afterwards the sequences and
 * samples equal the clean run's, dead letters are still exactly once, every sample is scored once,
 * and the training stage restored its checkpoint into a new epoch whose deltas and snapshot serving
 * can use. Run with the sharded stage (the default) and with the single trainer.
 */
class FaultITCase {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path tmp;

  @ParameterizedTest(name = "sharded stage: {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(150)
  void afterOneFailureTheJobEndsAsIfItHadNotFailed(boolean sharded) throws Exception {
    List<BehaviorEvent> events = new ArrayList<>();
    new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(40)
                .setItems(200)
                .setBehaviorsPerUser(25)
                .optImpressionsPerUser(20)
                .optTopics(8)
                .optCategories(20)
                .optMode(GeneratorMode.IMPRESSIONS)
                .optSeed(21)
                .build())
        .events()
        .forEachRemaining(events::add);
    Map<String, byte[]> malformed = PipelineITCase.malformedRecords(events.get(0));
    int heldBackFrom = events.size() * 3 / 10;

    ReplayOutput clean = replay(events, malformed, heldBackFrom, Long.MAX_VALUE, sharded);
    assertThat(FailOnce.FAILED).isFalse();

    // IMPRESSION mode: an impression's sample is emitted when it is labelled, so the first 30% of
    // the events (all that exists until a trained snapshot is out) yield fewer than half of the
    // samples: the failure comes after that checkpoint.
    long failAfter = clean.samples().size() / 2;
    ReplayOutput failed = replay(events, malformed, heldBackFrom, failAfter, sharded);
    assertThat(FailOnce.FAILED).as("the injected failure happened").isTrue();

    // Sequences: every behaviour's update (result and resulting length) exactly as in the clean
    // run, once; so every user's final sequence is the clean run's.
    assertThat(failed.sequenceUpdates())
        .containsExactlyInAnyOrderElementsOf(clean.sequenceUpdates());
    // Samples carry each user's history as of the target's time: equal samples mean the restored
    // sequences (and pending impressions) were the ones before the failure.
    assertThat(failed.samples().stream().map(FaultITCase::withoutIngestTime).toList())
        .containsExactlyInAnyOrderElementsOf(
            clean.samples().stream().map(FaultITCase::withoutIngestTime).toList());
    // The exactly-once dead-letter sink did not write twice.
    assertThat(failed.deadLetters())
        .extracting(DeadLetter::getReasonCode)
        .containsExactlyInAnyOrderElementsOf(
            clean.deadLetters().stream().map(DeadLetter::getReasonCode).toList());
    assertThat(failed.deadLetters()).hasSize(malformed.size());

    if (sharded) {
      assertShardedStageRestoredIntoANewEpoch(failed);
    } else {
      assertSingleTrainerRestoredIntoANewEpoch(failed);
    }
    assertThat(failed.scores()).hasSize(failed.samples().size());
  }

  /**
   * The sharded stage restored its checkpoint into a new epoch (each operator's: restored + 1 +
   * attempt number): deltas of the first run's epoch, then of the new one; the new epoch's dense
   * model (its version 0, what the averager restored) is a trained one, not the initial dense model
   * a start without the checkpoint would publish; the newest complete snapshot set, which verifies,
   * is of the new epoch and holds trained rows.
   */
  private static void assertShardedStageRestoredIntoANewEpoch(ReplayOutput failed) {
    TreeSet<Long> epochs = new TreeSet<>();
    failed.deltas().forEach(d -> epochs.add(d.getEpoch()));
    assertThat(epochs).as("epochs of the deltas").hasSize(2);
    long restarted = epochs.last();
    assertThat(restarted).as("restored + 1 + attempt 1").isEqualTo(epochs.first() + 2);
    Map<String, float[]> versionZero = new HashMap<>();
    for (ModelDelta d : failed.deltas()) {
      if (d.getEpoch() == restarted
          && d.getVersion() == 0
          && d.getTable().startsWith(ModelDeltas.DENSE_PREFIX)) {
        DenseBlock b = ModelDeltas.denseBlock(d);
        versionZero.put(b.name(), b.values());
      }
    }
    DareModel initial =
        DareModel.create(
            ModelOptions.from(failed.config(), TrainerOptions.from(failed.config())).config());
    assertThat(versionZero.keySet())
        .as("the restored dense model, published whole as version 0")
        .containsExactlyInAnyOrderElementsOf(initial.dense().names());
    assertThat(
            initial.dense().names().stream()
                .anyMatch(
                    n -> !Arrays.equals(versionZero.get(n), initial.dense().block(n).values())))
        .as("the restored dense model is not the initial one")
        .isTrue();
    List<SnapshotPartReader.VerifiedPart> parts = failed.newestPartSet().orElseThrow();
    assertThat(parts)
        .hasSize(2)
        .allSatisfy(p -> assertThat(p.manifest().name().set().epoch()).isEqualTo(restarted));
    assertThat(PartSetLoader.load(parts).model().table("repr.item").size()).isPositive();
  }

  /**
   * The single trainer restored its checkpoint and went on in epoch 2: the restored model's version
   * continues from a checkpoint with training in it (a fresh start would begin at 0).
   */
  private static void assertSingleTrainerRestoredIntoANewEpoch(ReplayOutput failed) {
    List<ModelDelta> deltas = failed.deltas();
    assertThat(deltas).extracting(ModelDelta::getEpoch).containsOnly(1L, 2L).contains(1L, 2L);
    long newestEpoch1Snapshot =
        failed.announcements().stream()
            .filter(a -> a.getEpoch() == 1)
            .mapToLong(SnapshotAnnouncement::getVersion)
            .max()
            .orElseThrow();
    assertThat(newestEpoch1Snapshot).isPositive();
    assertThat(
            deltas.stream()
                .filter(d -> d.getEpoch() == 2)
                .mapToLong(ModelDelta::getVersion)
                .min()
                .orElseThrow())
        .isGreaterThanOrEqualTo(newestEpoch1Snapshot);
    // Epoch-2 deltas come after every epoch-1 delta on the topic: serving never sees epoch 1
    // again once it moved on.
    int firstEpoch2 = indexOfFirst(deltas, 2);
    assertThat(deltas.subList(firstEpoch2, deltas.size()))
        .allSatisfy(d -> assertThat(d.getEpoch()).isEqualTo(2));

    VerifiedSnapshot newest = failed.newestSnapshot().orElseThrow();
    assertThat(newest.manifest().epoch()).isEqualTo(2);
    assertThat(SnapshotReader.verify(newest.directory()).manifest()).isEqualTo(newest.manifest());
    SnapshotAnnouncement lastAnnounced =
        failed.announcements().get(failed.announcements().size() - 1);
    assertThat(lastAnnounced.getEpoch()).isEqualTo(2);
    assertThat(lastAnnounced.getVersion()).isEqualTo(newest.manifest().version());
  }

  private static ReplayOutput replay(
      List<BehaviorEvent> events,
      Map<String, byte[]> malformed,
      int heldBackFrom,
      long failAfter,
      boolean sharded)
      throws Exception {
    FailOnce.reset();
    return KAFKA
        .replay(tmp)
        .setEvents(events)
        .optMalformed(List.copyOf(malformed.values()), 61)
        .optHoldBackFrom(heldBackFrom)
        .optConfig(LabelOptions.MODE, LabelMode.IMPRESSION)
        .optConfig(TrainerOptions.SHARDED, sharded)
        .optConfig(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay")
        .optConfig(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1)
        .optConfig(
            RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100))
        .optSamplesTap(
            samples ->
                samples
                    .map(new FailOnce(failAfter))
                    .returns(samples.getType())
                    .uid("fail-once")
                    .name("fail once"))
        .build()
        .run();
  }

  private static int indexOfFirst(List<ModelDelta> deltas, long epoch) {
    for (int i = 0; i < deltas.size(); i++) {
      if (deltas.get(i).getEpoch() == epoch) {
        return i;
      }
    }
    throw new AssertionError("no delta of epoch " + epoch);
  }

  /** A sample's content; the ingest time is the Kafka timestamp, which differs between runs. */
  private static String withoutIngestTime(TrainingSample s) {
    return s.userId()
        + "/"
        + s.targetItem()
        + "/"
        + s.targetCategory()
        + "/"
        + s.label()
        + "/"
        + s.eventTimeMs()
        + "/"
        + Arrays.toString(s.historyItems())
        + "/"
        + Arrays.toString(s.historyCategories());
  }

  /**
   * Passes samples through and throws once, JVM-wide, when the samples seen by all its subtasks
   * together exceed the limit; the restarted job runs through because the flag stays set.
   */
  static final class FailOnce implements MapFunction<TrainingSample, TrainingSample> {
    private static final long serialVersionUID = 1L;
    static final AtomicBoolean FAILED = new AtomicBoolean();
    private static final AtomicLong SEEN = new AtomicLong();

    private final long failAfter;

    FailOnce(long failAfter) {
      this.failAfter = failAfter;
    }

    static void reset() {
      FAILED.set(false);
      SEEN.set(0);
    }

    @Override
    public TrainingSample map(TrainingSample sample) {
      if (SEEN.incrementAndGet() > failAfter && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure after " + failAfter + " samples");
      }
      return sample;
    }
  }
}
