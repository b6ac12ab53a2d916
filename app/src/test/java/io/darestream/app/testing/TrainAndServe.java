package io.darestream.app.testing;

import io.darestream.jobs.config.KafkaOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.serving.ServingServer;
import io.darestream.serving.kafka.KafkaSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The shared setup of the tests that train on the embedded broker and serve the result in one JVM:
 * the same small click-only stream, the replay that trains on it, and a serving that follows it.
 */
public final class TrainAndServe {
  private TrainAndServe() {}

  /** The topics of one test (each test its own, so tests on one broker do not see each other). */
  public record Topics(String events, String deltas, String snapshots) {}

  /** A click-only stream of 30 users × 40 behaviours over 150 items, 8 topics, 20 categories. */
  public static List<BehaviorEvent> clickOnlyEvents(long seed) {
    List<BehaviorEvent> events = new ArrayList<>();
    new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(30)
                .setItems(150)
                .setBehaviorsPerUser(40)
                .optTopics(8)
                .optCategories(20)
                .optMode(GeneratorMode.CLICK_ONLY)
                .optSeed(seed)
                .build())
        .events()
        .forEachRemaining(events::add);
    return events;
  }

  /**
   * A replay of {@code events} through the job on {@code topics}, with click-only labels and
   * snapshots written to {@code snapshotDir}; the caller adds its own settings and runs it.
   */
  public static JobReplay.Builder replay(
      KafkaBrokerExtension kafka,
      Path workDir,
      List<BehaviorEvent> events,
      Topics topics,
      Path snapshotDir) {
    return kafka
        .replay(workDir)
        .setEvents(events)
        .optConfig(LabelOptions.MODE, LabelMode.CLICK_ONLY)
        .optConfig(KafkaOptions.EVENTS_TOPIC, topics.events())
        .optConfig(KafkaOptions.DELTAS_TOPIC, topics.deltas())
        .optConfig(KafkaOptions.SNAPSHOTS_TOPIC, topics.snapshots())
        .optConfig(TrainerOptions.SNAPSHOT_DIR, snapshotDir.toString());
  }

  /**
   * A started serving (127.0.0.1, any free port, 2 threads) that loads snapshots from {@code
   * snapshotDir} and follows {@code topics} on {@code kafka}.
   */
  public static ServingServer startServing(
      KafkaBrokerExtension kafka, Topics topics, Path snapshotDir, Path dataDir) {
    return ServingServer.builder()
        .setSnapshotDir(snapshotDir)
        .setDataDir(dataDir)
        .optKafka(
            new KafkaSettings(
                kafka.bootstrapServers(),
                topics.deltas(),
                topics.snapshots(),
                topics.events(),
                Map.of()))
        .optHost("127.0.0.1")
        .optPort(0)
        .optThreads(2)
        .build()
        .start();
  }
}
