package io.darestream.app.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.bootstrap.HistoryReplay;
import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.ModelOptions;
import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.jobs.sequence.SequenceStateDescriptors;
import io.darestream.jobs.topology.Uids;
import io.darestream.model.DareModel;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.generator.GeneratorConfig;
import io.darestream.schemas.generator.GeneratorMode;
import io.darestream.schemas.serde.AvroTrust;
import io.darestream.schemas.testing.Events;
import io.darestream.serving.live.DareModelHandle;
import io.darestream.serving.live.SnapshotModelLoader;
import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.state.sequence.BehaviorSequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain} on a small generated stream: the cut is honoured, serving starts from the
 * pretrained snapshot before any job ran (issue #20: the rows it serves are the pretrained ones),
 * and the savepoint holds every user's sequence under the job's uid and state descriptor, read back
 * with the State Processor API.
 */
class PretrainITCase {
  @TempDir Path tmp;

  @Test
  @Timeout(120)
  void writesASnapshotServingLoadsAndASavepointWithEveryUsersSequence() throws Exception {
    AvroTrust.ensure();
    List<BehaviorEvent> events =
        Events.generated(
            GeneratorConfig.builder()
                .setUsers(40)
                .setItems(100)
                .setBehaviorsPerUser(20)
                .optMode(GeneratorMode.CLICK_ONLY)
                .optSeed(3)
                .build());
    long untilMs = events.get(events.size() * 2 / 3).getEventTimeMs();
    Configuration config = smallJob();
    DareJobOptions options = DareJobOptions.from(config);
    ModelOptions model = ModelOptions.from(config, options.trainer());
    Path out = tmp.resolve("pretrained");

    Pretrainer.Result r =
        new Pretrainer(options, model).run(events.iterator(), untilMs, "java", "cpu", out, s -> {});

    long history = events.stream().filter(e -> e.getEventTimeMs() <= untilMs).count();
    assertThat(r.events()).isEqualTo(history);
    assertThat(r.firstAfterUntil()).isEqualTo(events.get((int) history));
    assertThat(r.samples()).isPositive();

    // Serving, before any job: the pretrained model, row for row.
    ServingMetrics metrics = new ServingMetrics();
    DareModelHandle served =
        new SnapshotModelLoader(out.resolve("snapshots"), metrics).loadNewestValid().orElseThrow();
    DareModel pretrained = r.model();
    assertThat(served.snapshotPosition().version()).isEqualTo(pretrained.version());
    for (EmbeddingTable t : pretrained.tables()) {
      assertThat(t.size()).isPositive();
      for (long id : t.ids()) {
        float[] expected = new float[t.dim()];
        t.copyWeights(id, expected, 0);
        assertThat(served.readWeights(t.name(), id)).containsExactly(expected);
      }
    }

    // The savepoint: every user's sequence, as the job's own label join left it.
    HistoryReplay replay = HistoryReplay.forJob(options);
    for (BehaviorEvent e : events.subList(0, (int) history)) {
      replay.feed(new IngestedEvent(e, e.getEventTimeMs()));
    }
    Map<Long, String> expected = new HashMap<>();
    replay.users().forEach(u -> expected.put(u.userId(), encode(u.sequence())));
    assertThat(readSequences(out.resolve("savepoint"), options.sequence())).isEqualTo(expected);
  }

  @Test
  void refusesAnExistingOutputDirectory() throws Exception {
    Configuration config = smallJob();
    DareJobOptions options = DareJobOptions.from(config);
    Path out = Files.createDirectories(tmp.resolve("exists"));

    assertThatThrownBy(
            () ->
                new Pretrainer(options, ModelOptions.from(config, options.trainer()))
                    .run(
                        List.<BehaviorEvent>of().iterator(),
                        Long.MAX_VALUE,
                        "java",
                        "cpu",
                        out,
                        s -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exists already");
  }

  private static Configuration smallJob() {
    Configuration c = new Configuration();
    c.set(LabelOptions.MODE, LabelOptions.LabelMode.CLICK_ONLY);
    c.set(SequenceOptions.MAX_LENGTH, 50);
    c.set(ModelOptions.ATTENTION_DIM, 4);
    c.set(ModelOptions.REPRESENTATION_DIM, 8);
    c.set(ModelOptions.TOP_K, 4);
    c.set(ModelOptions.MAX_HISTORY, 30);
    return c;
  }

  private static String encode(BehaviorSequence s) {
    return Base64.getEncoder().encodeToString(s.toBytes());
  }

  private static Map<Long, String> readSequences(Path savepoint, SequenceOptions options)
      throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    List<Tuple2<Long, String>> rows = new ArrayList<>();
    try (CloseableIterator<Tuple2<Long, String>> it =
        SavepointReader.read(env, savepoint.toUri().toString())
            .readKeyedState(
                OperatorIdentifier.forUid(Uids.SEQUENCE),
                new SequenceReader(options),
                Types.LONG,
                Types.TUPLE(Types.LONG, Types.STRING))
            .executeAndCollect()) {
      it.forEachRemaining(rows::add);
    }
    Map<Long, String> out = new HashMap<>();
    rows.forEach(t -> out.put(t.f0, t.f1));
    return out;
  }

  /** Reads each user's sequence through the job's own descriptor (TTL included). */
  private static final class SequenceReader
      extends KeyedStateReaderFunction<Long, Tuple2<Long, String>> {
    private static final long serialVersionUID = 1L;
    private final SequenceOptions options;
    private transient ValueState<BehaviorSequence> sequence;

    SequenceReader(SequenceOptions options) {
      this.options = options;
    }

    @Override
    public void open(OpenContext context) {
      sequence = getRuntimeContext().getState(SequenceStateDescriptors.sequence(options));
    }

    @Override
    public void readKey(Long user, Context ctx, Collector<Tuple2<Long, String>> out)
        throws Exception {
      out.collect(Tuple2.of(user, encode(sequence.value())));
    }
  }
}
