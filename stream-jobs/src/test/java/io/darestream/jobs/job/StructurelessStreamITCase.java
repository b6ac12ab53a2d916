package io.darestream.jobs.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.testing.KafkaBrokerExtension;
import io.darestream.jobs.testing.ReplayOutput;
import io.darestream.jobs.testing.StructurelessStreams;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.generator.StreamGenerator;
import io.darestream.state.sequence.AppendResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dare-train job (embedded Kafka, MiniCluster, parallelism 2) on a click-only stream without
 * any structure over an item space larger than the stream: nothing can be learnt, so the
 * prequential AUC must be chance. Before warm targets it was 0.68 to 0.71 on streams like this one
 * (three seeds, same label join and model outside Flink): most clicks were on never-seen items,
 * which the model learnt to call clicks. {@code StructurelessStreamTest} checks 0.50 ± 0.01 on
 * longer streams without Flink; this test checks that the job's wiring labels the same way.
 */
class StructurelessStreamITCase {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir static Path tmp;

  @Test
  @Timeout(120)
  void clickOnlyStreamWithoutStructureScoresAtChance() throws Exception {
    GeneratorConfig.Builder stream =
        GeneratorConfig.builder()
            .setUsers(250)
            .setItems(10_000)
            .setBehaviorsPerUser(40)
            .optSeed(12);
    StructurelessStreams.makeStructureless(stream, GeneratorMode.CLICK_ONLY);
    List<BehaviorEvent> events = new ArrayList<>();
    new StreamGenerator(stream.build()).events().forEachRemaining(events::add);

    ReplayOutput out =
        KAFKA
            .replay(tmp)
            .setEvents(events)
            .optConfig(LabelOptions.MODE, LabelMode.CLICK_ONLY)
            .build()
            .run();

    // Every click is in the history; only clicks on warm items are samples. An item is warm once
    // its sequence subtask has seen it, so each item's first click is cold, and at most one per
    // subtask (parallelism 2) is.
    long appended =
        out.sequenceUpdates().stream().filter(u -> u.result() == AppendResult.APPENDED).count();
    assertThat(appended).isEqualTo(events.size());
    long distinctItems = events.stream().map(BehaviorEvent::getItemId).distinct().count();
    List<TrainingSample> positives = out.samples().stream().filter(s -> s.label() == 1).toList();
    assertThat(positives.size())
        .isBetween((int) (appended - 2 * distinctItems), (int) (appended - distinctItems));
    // Warm means seen before in processing order, which across Kafka partitions need not be event
    // time order: what holds is that some other click on the item exists.
    Map<Long, Long> clicks =
        events.stream()
            .collect(Collectors.groupingBy(BehaviorEvent::getItemId, Collectors.counting()));
    assertThat(positives)
        .allSatisfy(
            p -> assertThat(clicks.get(p.targetItem())).as("clicks on the item").isGreaterThan(1));
    assertThat(out.samples()).hasSizeGreaterThan(3_000);
    assertThat(out.scores()).hasSize(out.samples().size());

    // About 4,000 samples (two sequence subtasks, each with its own window): the AUC's standard
    // error under chance is about 0.009, so 0.04 is over four of them.
    double auc = ReplayOutput.auc(out.scores());
    assertThat(auc).isCloseTo(0.5, within(0.04));
  }
}
