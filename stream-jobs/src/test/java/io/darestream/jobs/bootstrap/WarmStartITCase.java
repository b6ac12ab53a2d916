package io.darestream.jobs.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.TrainerOptions;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.jobs.sequence.SequenceUpdate;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.ReplayOutput;
import io.darestream.jobs.train.PrequentialScore;
import io.darestream.jobs.train.PretrainedModel;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.testing.Events;
import io.darestream.state.sequence.AppendResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm start (issue #20): the first half of a stream goes through {@link HistoryReplay} (what
 * {@code pretrain} runs) and its state into a savepoint ({@link SequenceSavepoint}); the dare-train
 * job (embedded Kafka, MiniCluster, RocksDB) then streams the second half from that savepoint. The
 * samples of both parts together must be those of one uninterrupted job over the whole stream, and
 * every user's sequence must be restored: each online behaviour leaves its user's sequence as long
 * as the uninterrupted job does.
 *
 * <p>Parallelism 1 and one partition: the negative sampler's draws depend on the order of all
 * users' events, which one subtask reading one partition keeps.
 */
class WarmStartITCase {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path tmp;

  @Test
  @Timeout(120)
  void clickOnlyStreamFromSavepointGivesTheUninterruptedSamples() throws Exception {
    List<BehaviorEvent> events =
        Events.generated(
            GeneratorConfig.builder()
                .setUsers(60)
                .setItems(150)
                .setBehaviorsPerUser(25)
                .optMode(GeneratorMode.CLICK_ONLY)
                .optSeed(5)
                .build());
    Split split = assertWarmEqualsUninterrupted(events, LabelMode.CLICK_ONLY, "click-only", true);
    // The training stage started from the pretrained model: its first prequential score, made
    // before it trained on anything, is the pretrained model's score of that sample.
    assertThat(split.onlineScores()).isNotEmpty();
    PrequentialScore first = split.onlineScores().get(0);
    TrainingSample scored =
        split.online().stream()
            .filter(
                s ->
                    s.userId() == first.userId
                        && s.targetItem() == first.itemId
                        && s.eventTimeMs() == first.eventTimeMs)
            .findFirst()
            .orElseThrow();
    assertThat(first.prediction)
        .isCloseTo(split.pretrained().score(scored), Offset.offset(1e-5f))
        .isNotCloseTo(split.untrained().score(scored), Offset.offset(1e-4f));
  }

  @Test
  @Timeout(120)
  void impressionStreamFromSavepointGivesTheUninterruptedSamples() throws Exception {
    List<BehaviorEvent> events =
        Events.generated(
            GeneratorConfig.builder()
                .setUsers(40)
                .setItems(150)
                .setBehaviorsPerUser(15)
                .optImpressionsPerUser(20)
                .optMode(GeneratorMode.IMPRESSIONS)
                .optSeed(7)
                .build());
    Split split = assertWarmEqualsUninterrupted(events, LabelMode.IMPRESSION, "impressions", false);
    // Impressions still in their attribution window at the cut became samples in the online job:
    // the pending impressions and their timers came through the savepoint.
    assertThat(split.online()).anyMatch(s -> s.eventTimeMs() <= split.untilMs());
  }

  /** Samples of the pretrained part, of the online part, and the cut. */
  private record Split(
      List<TrainingSample> history,
      List<TrainingSample> online,
      long untilMs,
      List<PrequentialScore> onlineScores,
      DareModel pretrained,
      DareModel untrained) {}

  /**
   * @param train also pretrain a model on the history and let the online job's trainer start from
   *     it ({@code dare.trainer.initial-snapshot})
   */
  private Split assertWarmEqualsUninterrupted(
      List<BehaviorEvent> events, LabelMode mode, String name, boolean train) throws Exception {
    int half = events.size() / 2;
    long untilMs = events.get(half - 1).getEventTimeMs();
    int cut = half;
    while (cut < events.size() && events.get(cut).getEventTimeMs() <= untilMs) {
      cut++; // events at the cut's time all belong to the history
    }
    List<BehaviorEvent> history = events.subList(0, cut);
    List<BehaviorEvent> online = events.subList(cut, events.size());

    ReplayOutput whole = replay(events, mode, null, null);

    DareJobOptions options = whole.options();
    HistoryReplay pretrain = HistoryReplay.forJob(options);
    List<TrainingSample> historySamples = new ArrayList<>();
    pretrain.onSample(historySamples::add);
    for (BehaviorEvent e : history) {
      pretrain.feed(new IngestedEvent(e, e.getEventTimeMs()));
    }
    List<UserState> users = pretrain.users();
    Path savepoint = tmp.resolve("savepoint-" + name);
    SequenceSavepoint.write(
        savepoint, options.sequence(), users, pretrain.samplerWindow(), options.parallelism());

    DareModel untrained =
        DareModel.create(ModelOptions.from(whole.config(), options.trainer()).config());
    DareModel model = null;
    Path pretrained = null;
    if (train) {
      model = DareModel.create(ModelOptions.from(whole.config(), options.trainer()).config());
      for (int i = 0; i < historySamples.size(); i += 32) {
        model.trainBatch(historySamples.subList(i, Math.min(historySamples.size(), i + 32)));
      }
      pretrained = tmp.resolve("pretrained-" + name);
      PretrainedModel.write(model, "dare", pretrained, Map.of());
    }
    ReplayOutput warm = replay(online, mode, savepoint, pretrained);

    List<TrainingSample> both = new ArrayList<>(historySamples);
    both.addAll(warm.samples());
    assertThat(warm.samples()).isNotEmpty();
    assertThat(historySamples).isNotEmpty();
    assertThat(contents(both)).isEqualTo(contents(whole.samples()));
    if (mode == LabelMode.CLICK_ONLY) {
      // Samples come with their behaviour here (no timers): in the same order too.
      assertThat(both.stream().map(WarmStartITCase::content).toList())
          .isEqualTo(whole.samples().stream().map(WarmStartITCase::content).toList());
    }

    // Every user's sequence: each online behaviour leaves it as long as without the cut.
    Map<String, Integer> lengths = new HashMap<>();
    for (SequenceUpdate u : whole.sequenceUpdates()) {
      lengths.put(u.eventId(), u.sequenceLength());
    }
    List<SequenceUpdate> onlineUpdates = warm.sequenceUpdates();
    assertThat(onlineUpdates)
        .hasSize((int) online.stream().filter(WarmStartITCase::appends).count());
    for (SequenceUpdate u : onlineUpdates) {
      assertThat(u.result()).isEqualTo(AppendResult.APPENDED);
      assertThat(u.sequenceLength())
          .as("sequence after %s", u.eventId())
          .isEqualTo(lengths.get(u.eventId()));
    }
    long restoredUsers =
        onlineUpdates.stream()
            .map(SequenceUpdate::userId)
            .distinct()
            .filter(
                user -> users.stream().anyMatch(s -> s.userId() == user && s.sequence() != null))
            .count();
    assertThat(restoredUsers).as("online users with a history").isGreaterThan(10);
    return new Split(historySamples, warm.samples(), untilMs, warm.scores(), model, untrained);
  }

  private static boolean appends(BehaviorEvent e) {
    return e.getType() != io.darestream.schemas.avro.BehaviorType.IMPRESSION;
  }

  /**
   * @param savepoint the job starts from it, if not null
   * @param pretrained with the trainer, starting from this snapshot root; without it if null
   */
  private static ReplayOutput replay(
      List<BehaviorEvent> events, LabelMode mode, Path savepoint, Path pretrained)
      throws Exception {
    var builder =
        KAFKA
            .replay(tmp)
            .setEvents(events)
            .optPartitions(1)
            .optConfig(LabelOptions.MODE, mode)
            .optConfig(DareJobOptions.PARALLELISM, 1);
    if (savepoint != null) {
      builder.optConfig(StateRecoveryOptions.SAVEPOINT_PATH, savepoint.toUri().toString());
    }
    if (pretrained == null) {
      builder.optWithoutTrainer();
    } else {
      builder.optConfig(TrainerOptions.INITIAL_SNAPSHOT, pretrained.toString());
    }
    return builder.build().run();
  }

  /** What a sample says, whatever its order among the others and its ingest time: counted. */
  private static Map<String, Long> contents(List<TrainingSample> samples) {
    return samples.stream()
        .collect(Collectors.groupingBy(WarmStartITCase::content, Collectors.counting()));
  }

  private static String content(TrainingSample s) {
    StringBuilder b =
        new StringBuilder()
            .append(s.userId())
            .append('/')
            .append(s.targetItem())
            .append('/')
            .append(s.targetCategory())
            .append('/')
            .append(s.label())
            .append('/')
            .append(s.eventTimeMs())
            .append(':');
    for (int i = 0; i < s.historyLength(); i++) {
      b.append(s.historyItem(i)).append(',').append(s.historyCategory(i)).append(';');
    }
    return b.toString();
  }
}
