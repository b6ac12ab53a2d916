package io.darestream.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.sequence.SequenceUpdate;
import io.darestream.jobs.testing.JobReplay;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.ReplayOutput;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.sync.PartSetLoader;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.avro.DeadLetter;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.schemas.input.EventFormat;
import io.darestream.schemas.output.EventWriter;
import io.darestream.schemas.output.EventWriters;
import io.darestream.schemas.serde.Codecs;
import io.darestream.schemas.testing.Events;
import io.darestream.state.io.Fs;
import io.darestream.state.sequence.AppendResult;
import io.darestream.state.snapshot.SnapshotPartReader;
import io.darestream.state.snapshot.VerifiedSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole dare-train pipeline on embedded Kafka and a MiniCluster (RocksDB, checkpoints on), in
 * both label modes, through {@link JobReplay}: a generated stream with malformed records mixed in;
 * every valid behaviour lands in its user's sequence exactly once, every malformed record is dead
 * lettered with its reason, the label join makes the samples it should, the model learns the
 * generator's planted signal, and deltas plus verified snapshots are published.
 */
class PipelineITCase {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineITCase.class);

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path tmp;

  @Test
  @Timeout(120)
  void impressionStreamIsLabelledByItsClicksAndLearned() throws Exception {
    List<BehaviorEvent> events =
        Events.generated(
            GeneratorConfig.builder()
                .setUsers(50)
                .setItems(200)
                .setBehaviorsPerUser(30)
                .optImpressionsPerUser(30)
                .optTopics(8)
                .optCategories(20)
                .optMode(GeneratorMode.IMPRESSIONS)
                .optSeed(11)
                .build());
    Map<String, byte[]> malformed = malformedRecords(events.get(0));

    ReplayOutput out =
        KAFKA
            .replay(tmp)
            .setEvents(events)
            .optMalformed(List.copyOf(malformed.values()), 97)
            .optConfig(LabelOptions.MODE, LabelMode.IMPRESSION)
            .build()
            .run();

    assertEveryBehaviourAppendedOnce(out, events);
    assertDeadLettered(out, malformed);

    // Every impression becomes exactly one sample: a positive when a click with its request id
    // follows (the generator clicks within 60 s, well inside the 10 min window), else a negative.
    List<BehaviorEvent> impressions =
        events.stream().filter(e -> e.getType() == BehaviorType.IMPRESSION).toList();
    Set<String> clickedRequests =
        events.stream()
            .filter(e -> e.getType() == BehaviorType.CLICK && e.getRequestId() != null)
            .map(BehaviorEvent::getRequestId)
            .collect(Collectors.toSet());
    long clicked =
        impressions.stream().filter(e -> clickedRequests.contains(e.getRequestId())).count();
    assertThat(out.samples()).hasSize(impressions.size());
    assertThat(out.samples()).filteredOn(s -> s.label() == 1).hasSize((int) clicked);
    assertThat(out.scores()).hasSize(impressions.size());

    // No AUC floor in this mode yet. Before 09c1d70 positives came on their click and negatives
    // only when the watermark passed the window, so a fast replay fed the trainer label-sorted
    // bursts and the tail AUC measured drift (0.15 to 0.94 over five identical replays, NaN when
    // the tail was one burst). Labels are now released together, but on this 1,500-sample stream
    // the tail still measured only 0.56 (one run): too close to chance for a floor that cannot
    // flake. The learning check for this mode is ImpressionLabelLearningTest (longer stream, no
    // Kafka); here the CLICK_ONLY test below carries it.
    LOG.info("IMPRESSION mode: prequential AUC of the last 500 samples {}", out.auc(500));

    assertModelPublished(out);
  }

  @Test
  @Timeout(120)
  void clickOnlyTaobaoFileIsSampledAndLearned() throws Exception {
    StreamGenerator generator =
        new StreamGenerator(
            GeneratorConfig.builder()
                .setUsers(40)
                .setItems(200)
                .setBehaviorsPerUser(60)
                .optTopics(8)
                .optCategories(20)
                // Each user clicks mostly on one topic: structure that honest click-only labels
                // can show (see the AUC comment below).
                .optInterestsPerUser(1)
                .optOnTopic(0.9, 0.9)
                .optMode(GeneratorMode.CLICK_ONLY)
                .optSeed(12)
                .build());
    // As a user would: a Taobao UserBehavior CSV file, replayed by the helper.
    Path csv = tmp.resolve("user-behavior.csv");
    try (EventWriter w = EventWriters.open(EventFormat.TAOBAO, csv)) {
      generator.events().forEachRemaining(w::write);
    }
    List<BehaviorEvent> events = JobReplay.readEvents(csv, EventFormat.TAOBAO);
    assertThat(events).hasSize(40 * 60);
    Map<String, byte[]> malformed = malformedRecords(events.get(0));

    ReplayOutput out =
        KAFKA
            .replay(tmp)
            .setEventFile(csv, EventFormat.TAOBAO)
            .optMalformed(List.copyOf(malformed.values()), 131)
            .optConfig(LabelOptions.MODE, LabelMode.CLICK_ONLY)
            .optConfig(LabelOptions.NEGATIVE_RATIO, 1)
            .build()
            .run();

    assertEveryBehaviourAppendedOnce(out, events);
    assertDeadLettered(out, malformed);

    // One positive per appended behaviour on a warm item (one its sequence subtask has seen
    // before: each item's first click per subtask, parallelism 2, is cold), each with one sampled
    // negative unless the window holds nothing but the target.
    long appended =
        out.sequenceUpdates().stream().filter(u -> u.result() == AppendResult.APPENDED).count();
    long items = events.stream().map(BehaviorEvent::getItemId).distinct().count();
    long positives = out.samples().stream().filter(s -> s.label() == 1).count();
    assertThat(positives).isBetween(appended - 2 * items, appended - items);
    assertThat(out.samples().stream().filter(s -> s.label() == 0).count())
        .isBetween(positives - 5, positives);
    assertThat(out.scores()).hasSize(out.samples().size());
    assertNoLeakage(out.samples(), events);

    double auc = out.auc(1_000);
    LOG.info("CLICK_ONLY mode: prequential AUC of the last 1,000 samples {}", auc);
    // Negatives are drawn by item frequency and may be in the user's history, and only warm items
    // are labelled, so neither popularity, repetition nor novelty separates them; what does is
    // the planted structure (each user's clicks stay on one of 8 topics, categories lean to
    // topics). Measured 0.79 to 0.86 on five seeds of this stream with the same label join and
    // model outside Flink (StructurelessStreamTest's driver). The former stream (three interests,
    // on topic 0.1 after an early burst) measured 0.70 to 0.76 here only while negatives excluded
    // the history: with honest labels it gives 0.52, its signal having been mostly "the target
    // repeats a behaviour". 0.65 is far below the measurements and far above chance.
    assertThat(auc).isGreaterThan(0.65);

    assertModelPublished(out);
  }

  /**
   * Every behaviour (impressions are not behaviours) appended exactly once, duplicates of an id
   * refused as such, and each user's sequence ends with all of them (up to the cap).
   */
  private static void assertEveryBehaviourAppendedOnce(
      ReplayOutput out, List<BehaviorEvent> events) {
    Map<String, BehaviorEvent> behaviours = new LinkedHashMap<>();
    int duplicates = 0;
    for (BehaviorEvent e : events) {
      if (e.getType() != BehaviorType.IMPRESSION
          && behaviours.putIfAbsent(e.getEventId(), e) != null) {
        duplicates++;
      }
    }
    Map<String, Long> appended =
        out.sequenceUpdates().stream()
            .filter(u -> u.result() == AppendResult.APPENDED)
            .collect(Collectors.groupingBy(SequenceUpdate::eventId, Collectors.counting()));
    assertThat(appended.keySet()).isEqualTo(behaviours.keySet());
    assertThat(appended).allSatisfy((id, n) -> assertThat(n).as(id).isOne());
    assertThat(out.sequenceUpdates())
        .filteredOn(u -> u.result() == AppendResult.DUPLICATE)
        .hasSize(duplicates);
    assertThat(out.sequenceUpdates()).noneMatch(u -> u.result() == AppendResult.TOO_LATE);

    int cap = out.options().sequence().maxLength();
    Map<Long, Long> perUser =
        behaviours.values().stream()
            .collect(Collectors.groupingBy(BehaviorEvent::getUserId, Collectors.counting()));
    Map<Long, Integer> finalLength = new HashMap<>();
    out.sequenceUpdates()
        .forEach(u -> finalLength.merge(u.userId(), u.sequenceLength(), Math::max));
    perUser.forEach(
        (user, n) ->
            assertThat(finalLength.get(user))
                .as("user %d", user)
                .isEqualTo((int) Math.min(n, cap)));
  }

  private static void assertDeadLettered(ReplayOutput out, Map<String, byte[]> malformed) {
    List<DeadLetter> letters = out.deadLetters();
    assertThat(letters)
        .extracting(DeadLetter::getReasonCode)
        .containsExactlyInAnyOrderElementsOf(
            malformed.keySet().stream().map(k -> k.substring(0, k.indexOf('#'))).toList());
    assertThat(letters).allSatisfy(d -> assertThat(d.getReason()).isNotBlank());
    // The original bytes travel with the reason, so a fixed consumer can replay them.
    assertThat(letters.stream().map(d -> Arrays.toString(bytes(d.getRawValue()))).toList())
        .containsExactlyInAnyOrderElementsOf(
            malformed.values().stream().map(Arrays::toString).toList());
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  /** A sample's history holds only the user's behaviours strictly before... or at its time. */
  private static void assertNoLeakage(List<TrainingSample> samples, List<BehaviorEvent> events) {
    Map<Long, List<BehaviorEvent>> byUser =
        events.stream().collect(Collectors.groupingBy(BehaviorEvent::getUserId));
    for (TrainingSample s : samples) {
      long newestAllowed = s.eventTimeMs();
      Set<Long> itemsUpToTarget =
          byUser.get(s.userId()).stream()
              .filter(e -> e.getEventTimeMs() <= newestAllowed)
              .map(BehaviorEvent::getItemId)
              .collect(Collectors.toSet());
      for (long item : s.historyItems()) {
        assertThat(itemsUpToTarget).as("history of %s", s).contains(item);
      }
    }
  }

  /** Deltas of every embedding table and the dense blocks, and a snapshot that verifies. */
  private static void assertModelPublished(ReplayOutput out) throws Exception {
    List<ModelDelta> deltas = out.deltas();
    assertThat(deltas).isNotEmpty().allSatisfy(d -> assertThat(d.getEpoch()).isEqualTo(1));
    assertThat(deltas.stream().map(ModelDelta::getTable).collect(Collectors.toSet()))
        .contains("att.item", "repr.item")
        .anyMatch(t -> t.startsWith("dense."));

    if (out.sharded()) {
      // The sharded stage (one trainer, one row owner, the averager): a complete set of parts that
      // verifies, from epoch 1, holding rows of both tables and the dense blocks.
      List<SnapshotPartReader.VerifiedPart> parts = out.newestPartSet().orElseThrow();
      assertThat(parts).as("the owner's part and the averager's").hasSize(2);
      assertThat(parts).allSatisfy(p -> assertThat(p.manifest().name().set().epoch()).isEqualTo(1));
      DareModel model = PartSetLoader.load(parts).model();
      assertThat(model.table("att.item").size()).isPositive();
      assertThat(model.table("repr.item").size()).isPositive();
      assertThat(out.announcements())
          .isNotEmpty()
          .allSatisfy(a -> assertThat(a.getEpoch()).isEqualTo(1));
      return;
    }
    VerifiedSnapshot snapshot = out.newestSnapshot().orElseThrow();
    assertThat(snapshot.manifest().epoch()).isEqualTo(1);
    long newestVersion = deltas.stream().mapToLong(ModelDelta::getVersion).max().orElseThrow();
    assertThat(snapshot.manifest().version()).isPositive().isLessThanOrEqualTo(newestVersion);
    List<SnapshotAnnouncement> announced = out.announcements();
    assertThat(announced).isNotEmpty();
    SnapshotAnnouncement last = announced.get(announced.size() - 1);
    assertThat(last.getVersion()).isEqualTo(snapshot.manifest().version());
    assertThat(last.getManifestSha256())
        .isEqualTo(Fs.sha256(snapshot.directory().resolve("MANIFEST")));
  }

  /** Malformed records by "REASON#n" (the expected reason code, made unique). */
  static Map<String, byte[]> malformedRecords(BehaviorEvent template) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    byte[] good = Codecs.BEHAVIOR_EVENT.encode(template);
    for (int i = 0; i < 2; i++) {
      final int n = i;
      m.put("BAD_HEADER#" + n, ("not avro " + n).getBytes(StandardCharsets.UTF_8));
      m.put("DECODE_FAILED#" + n, Arrays.copyOf(good, good.length - 3 - n));
      m.put("INVALID_FIELD#" + n, changed(template, "neg-" + n, e -> e.setItemId(-1L - n)));
      m.put(
          "UNKNOWN_TYPE#" + n, changed(template, "unk-" + n, e -> e.setType(BehaviorType.UNKNOWN)));
      m.put(
          "FUTURE_EVENT#" + n,
          changed(template, "fut-" + n, e -> e.setEventTimeMs(4_102_444_800_000L + n)));
    }
    m.put("EMPTY#0", new byte[0]);
    byte[] unknownSchema = good.clone();
    unknownSchema[2] ^= 0x5A; // corrupts the schema fingerprint
    m.put("UNKNOWN_SCHEMA#0", unknownSchema);
    return m;
  }

  private static byte[] changed(BehaviorEvent template, String id, Consumer<BehaviorEvent> change) {
    BehaviorEvent e = BehaviorEvent.newBuilder(template).setEventId(id).build();
    change.accept(e);
    return Codecs.BEHAVIOR_EVENT.encode(e);
  }
}
