package io.darestream.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.ReplayOutput;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery: the same stream replayed twice, once cleanly and once with an operator between the
 * sequence stage and the trainer that fails once after N samples (after a checkpoint with training
 * in it is complete). Flink restarts once (fixed delay, one attempt); afterwards the sequences and
 * samples equal the clean run's, dead letters are still exactly once, and the trainer restored its
 * checkpoint into a new epoch whose deltas and snapshot serving can use.
 */
class FaultITCase {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path tmp;

  @Test
  @Timeout(150)
  void afterOneFailureTheJobEndsAsIfItHadNotFailed() throws Exception {
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

    ReplayOutput clean = replay(events, malformed, heldBackFrom, Long.MAX_VALUE);
    assertThat(FailOnce.FAILED).isFalse();

    // IMPRESSION mode: an impression's sample is emitted when it is labelled, so the first 30% of
    // the events (all that exists until a trained snapshot is out) yield fewer than half of the
    // samples: the failure comes after that checkpoint.
    long failAfter = clean.samples().size() / 2;
    ReplayOutput failed = replay(events, malformed, heldBackFrom, failAfter);
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

    // The trainer restored its checkpoint and went on in epoch 2: the restored model's version
    // continues from a checkpoint with training in it (a fresh start would begin at 0).
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
    assertThat(failed.scores()).hasSize(failed.samples().size());
  }

  private static ReplayOutput replay(
      List<BehaviorEvent> events, Map<String, byte[]> malformed, int heldBackFrom, long failAfter)
      throws Exception {
    FailOnce.reset();
    return KAFKA
        .replay(tmp)
        .setEvents(events)
        .optMalformed(List.copyOf(malformed.values()), 61)
        .optHoldBackFrom(heldBackFrom)
        .optConfig(LabelOptions.MODE, LabelMode.IMPRESSION)
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
