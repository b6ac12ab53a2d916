package io.darestream.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.TrainingSamples;
import io.darestream.model.TrainingSample;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every attempt of the trainer publishes under an epoch of its own, also when an attempt fails
 * before its first checkpoint: restoring the same checkpoint twice, or starting afresh twice, never
 * gives an epoch already used (DESIGN.md section 5).
 *
 * <p>No broker: nothing here publishes a delta (the publish timer is on the harness's manual clock
 * and no checkpoint barrier is sent), so the trainer's producer never needs one.
 */
class TrainerEpochTest {
  @TempDir Path tmp;

  private Configuration config() {
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, "localhost:1");
    c.set(CheckpointOptions.DIR, tmp.resolve("checkpoints").toUri().toString());
    c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots").toString());
    c.set(TrainerOptions.MICRO_BATCH_SIZE, 16);
    c.set(TrainerOptions.PUBLISH_INTERVAL, Duration.ofHours(1));
    c.set(ModelOptions.ATTENTION_DIM, 4);
    c.set(ModelOptions.REPRESENTATION_DIM, 4);
    c.set(ModelOptions.TOP_K, 3);
    c.set(ModelOptions.MAX_HISTORY, 10);
    return c;
  }

  private OneInputStreamOperatorTestHarness<TrainingSample, PrequentialScore> harness()
      throws Exception {
    Configuration c = config();
    TrainerOptions trainer = TrainerOptions.from(c);
    return new OneInputStreamOperatorTestHarness<>(
        new TrainerOperator(
            ModelOptions.from(c, trainer),
            trainer,
            KafkaOptions.from(c),
            CheckpointOptions.from(c)));
  }

  private static long epoch(OneInputStreamOperatorTestHarness<TrainingSample, PrequentialScore> h) {
    return ((TrainerOperator) h.getOperator()).epoch();
  }

  /**
   * Ends an attempt as a failure does: the operator is closed without {@code finish()} (which would
   * train and publish what is left, as at the end of a bounded input).
   */
  private static void fail(OneInputStreamOperatorTestHarness<TrainingSample, PrequentialScore> h)
      throws Exception {
    h.getOperator().close();
  }

  /** Starts an attempt from {@code state}, reads its epoch and fails it before any checkpoint. */
  private long epochOfAttemptRestoring(OperatorSubtaskState state) throws Exception {
    var h = harness();
    try {
      h.setup();
      h.initializeState(state);
      return epoch(h);
    } finally {
      fail(h);
    }
  }

  @Test
  void restoringOneCheckpointTwiceWithoutACheckpointBetweenGivesIncreasingEpochs()
      throws Exception {
    OperatorSubtaskState state;
    long first;
    var h1 = harness();
    try {
      h1.setup();
      h1.initializeEmptyState();
      h1.open();
      for (TrainingSample s : TrainingSamples.random(64, 1, 1, 8, 5, 10)) {
        h1.processElement(new StreamRecord<>(s, s.eventTimeMs()));
      }
      state = h1.snapshot(1, TrainingSamples.T0);
      first = epoch(h1);
    } finally {
      fail(h1);
    }
    long second = epochOfAttemptRestoring(state); // fails before its first checkpoint
    long third = epochOfAttemptRestoring(state); // the same checkpoint again
    assertThat(first).isEqualTo(1);
    assertThat(second).isGreaterThan(first);
    assertThat(third).isGreaterThan(second);
  }

  @Test
  void aFreshStartBeginsAboveTheShardedStagesPartsInItsSnapshotDirectory() throws Exception {
    // A job moved back from the sharded stage: its parts of epoch 7 are the newest model there.
    java.nio.file.Files.createDirectories(tmp.resolve("snapshots/part-e7-c3-w1-of-2"));
    var h = harness();
    try {
      h.setup();
      h.initializeEmptyState();
      assertThat(epoch(h)).isEqualTo(8);
    } finally {
      fail(h);
    }
  }

  @Test
  void freshStartsWithoutAnyPublishedSnapshotNeverShareAnEpoch() throws Exception {
    long previous = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
      var h = harness();
      try {
        h.setup();
        h.initializeEmptyState();
        assertThat(epoch(h)).isGreaterThan(previous);
        previous = epoch(h);
      } finally {
        fail(h);
      }
    }
  }
}
