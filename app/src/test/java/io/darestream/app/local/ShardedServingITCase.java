package io.darestream.app.local;

import static io.darestream.app.testing.ServedModelAssertions.assertServesExactly;
import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.app.testing.TrainAndServe;
import io.darestream.app.testing.TrainAndServe.Topics;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.ReplayOutput;
import io.darestream.model.DareModel;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.PartSetLoader;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.serving.ServingServer;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.SnapshotPartReader.PartSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained by the sharded stage (trainer parallelism 2: two row owners and the dense
 * averager) is servable: the owners and the averager write their parts of a snapshot set at each
 * completed checkpoint, and serving — the real bootstrap, snapshot feed and delta feed — loads the
 * newest complete set and tails {@code model-deltas} from the set's offsets with per-writer base
 * versions. Serving that follows the run, and a serving started afterwards from the oldest set kept
 * (so that it must place every later delta by its writer's version), both end with exactly the
 * owners' final rows and the averager's final dense blocks, and serving's HTTP scores are that
 * model's.
 */
class ShardedServingITCase {
  private static final Topics TOPICS =
      new Topics("sharded-events", "sharded-deltas", "sharded-snapshots");

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path tmp;

  @Test
  @Timeout(150)
  void servingBootstrapsFromTheOwnersSnapshotSetAndEndsWithTheirRows() throws Exception {
    List<BehaviorEvent> events = TrainAndServe.clickOnlyEvents(32);
    Path snapshots = Files.createDirectories(tmp.resolve("snapshots"));

    try (ServingServer following = serving(snapshots, "following")) {
      ReplayOutput out =
          TrainAndServe.replay(KAFKA, tmp, events, TOPICS, snapshots)
              .optConfig(TrainerOptions.PARALLELISM, 2)
              .optConfig(TrainerOptions.MAX_PARALLELISM, 16)
              .optConfig(TrainerOptions.GRADIENT_WINDOW, Duration.ofMillis(20))
              .optConfig(TrainerOptions.DENSE_AVERAGE_INTERVAL, Duration.ofMillis(200))
              // The second half only once a set with trained rows is complete: at least two sets
              // are on disk at the end, one of them older than the last deltas.
              .optHoldBackFrom(events.size() / 2)
              .build()
              .run();

      // The owners' final rows and the averager's final dense blocks: the newest complete set,
      // written from their keyed state at the final checkpoint (after the end of input).
      List<PartSet> sets = SnapshotPartReader.completeSetsNewestFirst(snapshots);
      assertThat(sets).as("complete sets").hasSizeGreaterThanOrEqualTo(2);
      assertThat(sets.get(0).parts()).as("two owners and the averager").hasSize(3);
      DareModel owners = PartSetLoader.load(SnapshotPartReader.verify(sets.get(0))).model();
      // Cross-check with a reader of every delta in topic order: one writer per row, so the last
      // record of a row is its owner's final value.
      DareModel replayed = DareModel.create(owners.config());
      for (ModelDelta d : out.deltas()) {
        ModelDeltas.apply(replayed, d);
      }
      assertSameModel(replayed, owners);

      Awaitility.await("serving following the run holds the owners' final model")
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertServesExactly(following, owners));
      ServingEndToEndITCase.assertScoresOverHttpEqualTheModel(following, owners, events);
      assertThat(following.modelStatus().map(ModelStatus::snapshot).orElseThrow())
          .contains("part-e1-c");

      // Started afterwards from the oldest set kept: every delta after its offsets is placed by
      // its writer's version (records already in the set are skipped, newer ones applied).
      PartSet oldest = sets.get(sets.size() - 1);
      Path olderOnly = Files.createDirectories(tmp.resolve("older-only"));
      for (Path part : oldest.parts()) {
        copyTree(part, olderOnly.resolve(part.getFileName()));
      }
      try (ServingServer late = serving(olderOnly, "late")) {
        assertThat(late.modelStatus().orElseThrow().snapshot())
            .contains("part-e1-c" + oldest.key().checkpointId());
        Awaitility.await("serving started from the oldest set catches up by the deltas")
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertServesExactly(late, owners));
      }
    }
  }

  private static ServingServer serving(Path snapshots, String name) {
    return TrainAndServe.startServing(KAFKA, TOPICS, snapshots, tmp.resolve("serving-" + name));
  }

  private static void assertSameModel(DareModel actual, DareModel expected) {
    for (var t : expected.tables()) {
      float[] e = new float[t.dim()];
      float[] a = new float[t.dim()];
      for (long id : t.ids()) {
        t.copyWeights(id, e, 0);
        actual.table(t.name()).copyWeights(id, a, 0);
        assertThat(a).as("%s row %d", t.name(), id).isEqualTo(e);
      }
      assertThat(actual.table(t.name()).ids()).hasSameSizeAs(t.ids());
    }
    for (String block : expected.dense().names()) {
      assertThat(actual.dense().block(block).values())
          .as("dense " + block)
          .isEqualTo(expected.dense().block(block).values());
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
