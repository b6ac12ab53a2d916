package io.darestream.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.darestream.jobs.config.CheckpointOptions;
import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.TrainingSamples;
import io.darestream.jobs.testing.UnboundedIds;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.model.sync.ModelStoreSync;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.serde.Codecs;
import io.darestream.state.model.ModelStore;
import io.darestream.state.snapshot.SnapshotReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer operator against a real Kafka broker and real RocksDB stores: prequential output,
 * checkpoint + export, a snapshot published on confirmation, restore into a new epoch that
 * continues bit for bit, and deltas that bring a replica to the trainer's model.
 */
class TrainerOperatorITCase {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir Path tmp;

  private Configuration config(String topicSuffix) {
    Configuration c = new Configuration();
    c.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    c.set(KafkaOptions.DELTAS_TOPIC, "model-deltas-" + topicSuffix);
    c.set(KafkaOptions.SNAPSHOTS_TOPIC, "model-snapshots-" + topicSuffix);
    c.set(CheckpointOptions.DIR, tmp.resolve("checkpoints").toUri().toString());
    c.set(TrainerOptions.SNAPSHOT_DIR, tmp.resolve("snapshots").toString());
    c.set(TrainerOptions.MICRO_BATCH_SIZE, 32);
    c.set(TrainerOptions.PUBLISH_INTERVAL, Duration.ofHours(1)); // publish only at checkpoints
    c.set(ModelOptions.ATTENTION_DIM, 4);
    c.set(ModelOptions.REPRESENTATION_DIM, 8);
    c.set(ModelOptions.TOP_K, 4);
    c.set(ModelOptions.MAX_HISTORY, 30);
    return c;
  }

  private TrainerOperator operator(Configuration c) {
    TrainerOptions trainer = TrainerOptions.from(c);
    return new TrainerOperator(
        ModelOptions.from(c, trainer), trainer, KafkaOptions.from(c), CheckpointOptions.from(c));
  }

  private static OneInputStreamOperatorTestHarness<TrainingSample, PrequentialScore> harness(
      TrainerOperator op) throws Exception {
    return new OneInputStreamOperatorTestHarness<>(op);
  }

  private static List<TrainingSample> samples(int n, long seed) {
    return TrainingSamples.random(n, seed, 0, 24, 11, 20);
  }

  private static List<Float> feed(
      OneInputStreamOperatorTestHarness<TrainingSample, PrequentialScore> h,
      List<TrainingSample> samples)
      throws Exception {
    int before = h.extractOutputValues().size();
    for (TrainingSample s : samples) {
      h.processElement(new StreamRecord<>(s, s.eventTimeMs()));
    }
    h.prepareSnapshotPreBarrier(Long.MAX_VALUE); // trains the partial batch
    List<PrequentialScore> out = h.extractOutputValues();
    return out.subList(before, out.size()).stream().map(p -> p.prediction).toList();
  }

  @Test
  void checkpointPublishRestoreAndDeltasAgree() throws Exception {
    Configuration c = config("restore");
    KAFKA.kafka().createTopic("model-deltas-restore", 1);
    KAFKA.kafka().createTopic("model-snapshots-restore", 1);
    List<TrainingSample> first = samples(200, 1);
    List<TrainingSample> second = samples(50, 2);

    OperatorSubtaskState state;
    List<Float> secondBeforeFailure;
    try (var h1 = harness(operator(c))) {
      h1.setup();
      h1.initializeEmptyState();
      h1.open();
      List<Float> scores = feed(h1, first);
      assertThat(scores).hasSize(200).allSatisfy(p -> assertThat(p).isBetween(0f, 1f));

      h1.prepareSnapshotPreBarrier(1);
      state = h1.snapshot(1, TrainingSamples.T0);
      h1.notifyOfCompletedCheckpoint(1);

      // The snapshot is published and announced beside training, not in the notification.
      List<ConsumerRecord<byte[], byte[]>> announcements =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> readAll("model-snapshots-restore"), r -> !r.isEmpty());
      VerifiedSnapshot snapshot =
          SnapshotReader.findNewestValid(tmp.resolve("snapshots")).snapshot().orElseThrow();
      assertThat(snapshot.manifest().epoch()).isEqualTo(1);
      assertThat(snapshot.manifest().checkpointId()).isEqualTo(1);
      assertThat(snapshot.manifest().version()).isEqualTo(7); // ceil(200 / 32) steps
      assertThat(snapshot.manifest().deltaOffsets()).hasSize(1);

      SnapshotAnnouncement announced =
          Codecs.SNAPSHOT_ANNOUNCEMENT.decode(announcements.get(0).value());
      assertThat(announced.getEpoch()).isEqualTo(1);
      assertThat(announced.getManifestSha256())
          .isEqualTo(io.darestream.state.io.Fs.sha256(snapshot.directory().resolve("MANIFEST")));

      // Training goes on after the checkpoint, then the task fails: this work is lost.
      secondBeforeFailure = feed(h1, second);
    }

    DareModel restoredModel;
    try (var h2 = harness(operator(c))) {
      h2.setup();
      h2.initializeState(state);
      h2.open();
      // The restored model is checkpoint 1's: the same samples get the same predictions, bit
      // for bit, as they got before the failure.
      assertThat(feed(h2, second)).isEqualTo(secondBeforeFailure);
      restoredModel = ((TrainerOperator) h2.getOperator()).model();
      h2.getOperator().finish(); // end of a bounded input: publishes everything

      // A replica that bootstraps from the snapshot and applies the new epoch's deltas (serving's
      // recipe) ends with the trainer's model.
      VerifiedSnapshot snapshot =
          SnapshotReader.findNewestValid(tmp.resolve("snapshots")).snapshot().orElseThrow();
      DareModel replica;
      try (ModelStore store = snapshot.openStore()) {
        replica = ModelStoreSync.load(store);
      }
      long maxEpoch = 0;
      for (ConsumerRecord<byte[], byte[]> r : readAll("model-deltas-restore")) {
        ModelDelta d = Codecs.MODEL_DELTA.decode(r.value());
        maxEpoch = Math.max(maxEpoch, d.getEpoch());
        if (d.getEpoch() == 2) {
          ModelDeltas.apply(replica, d);
        }
      }
      assertThat(maxEpoch).isEqualTo(2);
      for (TrainingSample probe : samples(40, 3)) {
        assertThat(replica.score(probe)).isEqualTo(restoredModel.score(probe));
      }
    }
  }

  @Test
  void expiredRowsLeaveTheModelAndArePublishedAsDeletions() throws Exception {
    Configuration c = config("expiry");
    c.set(ModelOptions.EXPIRY, Duration.ofSeconds(1));
    KAFKA.kafka().createTopic("model-deltas-expiry", 1);
    KAFKA.kafka().createTopic("model-snapshots-expiry", 1);
    UnboundedIds stream = new UnboundedIds(9, TrainingSamples.T0, 50); // 20 samples a second
    TrainingSample first = stream.next();
    long expiring = first.targetItem(); // fresh, never seen again

    try (var h = harness(operator(c))) {
      h.setup();
      h.initializeEmptyState();
      h.open();
      h.processElement(new StreamRecord<>(first, first.eventTimeMs()));
      List<TrainingSample> more = new ArrayList<>();
      for (int i = 0; i < 199; i++) {
        more.add(stream.next()); // 10 s of event time
      }
      feed(h, more); // the barrier's publish runs expiry, then drains
      DareModel model = ((TrainerOperator) h.getOperator()).model();
      assertThat(model.table("att.item").contains(expiring)).isFalse();
      assertThat(model.counters().get("att.item").expired()).isPositive();
      h.getOperator().finish();
    }

    List<Long> deleted = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll("model-deltas-expiry")) {
      ModelDelta d = Codecs.MODEL_DELTA.decode(r.value());
      if (d.getTable().equals("att.item")) {
        d.getRows().stream()
            .filter(row -> row.getValues().remaining() == 0)
            .forEach(row -> deleted.add(row.getId()));
      }
    }
    assertThat(deleted).contains(expiring);
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    return JobReplay.readAll(KAFKA.bootstrapServers(), topic);
  }
}
