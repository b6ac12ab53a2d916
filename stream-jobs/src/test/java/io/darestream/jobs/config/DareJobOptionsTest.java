package io.darestream.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.model.DareConfig;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class DareJobOptionsTest {

  @Test
  void defaultsAreUsable() {
    DareJobOptions options = DareJobOptions.from(new Configuration());

    assertThat(options.kafka().eventsTopic()).isEqualTo("behavior-events");
    assertThat(options.kafka().dlqTopic()).isEqualTo("behavior-events-dlq");
    assertThat(options.sequence().maxLength()).isEqualTo(200);
    assertThat(options.labels().mode()).isEqualTo(LabelMode.CLICK_ONLY);
    // Honest click-only labels by default: warm targets, negatives not kept out of the history.
    assertThat(options.labels().warmMinCount()).isEqualTo(1);
    assertThat(options.labels().negativesExcludeHistory()).isFalse();
    assertThat(options.labels().samplerWindow()).isEqualTo(100_000);
    assertThat(options.trainer().microBatchSize()).isEqualTo(64);
    assertThat(options.kafka().transactionTimeout()).isLessThanOrEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void argsOverrideDefaults() {
    Configuration config =
        DareJobOptions.parseArgs(
            new String[] {
              "--dare.label.mode", "IMPRESSION",
              "--dare.label.attribution-window", "30 s",
              "--dare.sequence.max-length", "2000",
              "--dare.kafka.bootstrap-servers", "kafka:9092"
            });

    DareJobOptions options = DareJobOptions.from(config);

    assertThat(options.labels().mode()).isEqualTo(LabelMode.IMPRESSION);
    assertThat(options.labels().attributionWindow()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.sequence().maxLength()).isEqualTo(2000);
    assertThat(options.kafka().bootstrapServers()).isEqualTo("kafka:9092");
  }

  @Test
  void initScalesReachTheModel() {
    DareJobOptions defaults = DareJobOptions.from(new Configuration());
    assertThat(
            ModelOptions.from(new Configuration(), defaults.trainer()).config().attentionInitStd())
        .isEqualTo(0.1f);

    Configuration config =
        DareJobOptions.parseArgs(
            new String[] {
              "--dare.model.attention-init-std", "0.01", "--dare.model.init-std", "0.05"
            });
    ModelOptions model = ModelOptions.from(config, DareJobOptions.from(config).trainer());

    assertThat(model.config().attentionInitStd()).isEqualTo(0.01f);
    assertThat(model.config().initStd()).isEqualTo(0.05f);
  }

  @Test
  void theSearchsOwnTermsFollowTheVariantUnlessSet() {
    Configuration twin = DareJobOptions.parseArgs(new String[] {"--dare.model.variant", "TWIN"});
    DareConfig baseline = ModelOptions.from(twin, DareJobOptions.from(twin).trainer()).config();
    assertThat(baseline.searchLogitWeight()).isZero();
    assertThat(baseline.exactMatch()).isFalse();
    assertThat(baseline.cooccurrenceLossWeight()).isZero();

    Configuration set =
        DareJobOptions.parseArgs(
            new String[] {
              "--dare.model.variant", "TWIN",
              "--dare.model.search-logit-weight", "1",
              "--dare.model.exact-match", "true",
              "--dare.model.cooccurrence-loss-weight", "0.5"
            });
    DareConfig withTerms = ModelOptions.from(set, DareJobOptions.from(set).trainer()).config();
    assertThat(withTerms.searchLogitWeight()).isEqualTo(1f);
    assertThat(withTerms.exactMatch()).isTrue();
    assertThat(withTerms.cooccurrenceLossWeight()).isEqualTo(0.5f);

    DareConfig dare =
        ModelOptions.from(new Configuration(), DareJobOptions.from(new Configuration()).trainer())
            .config();
    assertThat(dare.searchLogitWeight()).isEqualTo(1f);
    assertThat(dare.exactMatch()).isTrue();
    assertThat(dare.cooccurrenceLossWeight()).isEqualTo(1f);
  }

  @Test
  void invalidValuesNameTheKey() {
    Configuration config = new Configuration();
    config.set(SequenceOptions.MAX_LENGTH, 0);

    assertThatThrownBy(() -> DareJobOptions.from(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dare.sequence.max-length");
  }

  @Test
  void aWarmMinimumNoWindowCanReachIsRefused() {
    Configuration config = new Configuration();
    config.set(LabelOptions.SAMPLER_WINDOW, 10);
    config.set(LabelOptions.WARM_MIN_COUNT, 11);

    assertThatThrownBy(() -> DareJobOptions.from(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dare.label.warm-min-count")
        .hasMessageContaining("dare.label.sampler-window");
  }

  @Test
  void checkpointOptionsConfigureRocksDb() {
    Configuration config = new Configuration();
    config.set(CheckpointOptions.INTERVAL, Duration.ofSeconds(2));
    config.set(CheckpointOptions.DIR, "file:///tmp/x");

    Configuration flink = CheckpointOptions.from(config).applyTo(new Configuration());

    assertThat(flink.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
    assertThat(flink.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
    assertThat(flink.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEqualTo("file:///tmp/x");
  }

  @Test
  void optionsAreSerializableForFunctions() throws Exception {
    DareJobOptions options = DareJobOptions.from(new Configuration());

    DareJobOptions copy =
        InstantiationUtil.clone(options, DareJobOptionsTest.class.getClassLoader());

    assertThat(copy.sequence().ttl()).isEqualTo(options.sequence().ttl());
  }

  @Test
  void checkpointDirComesFromTheJobThenTheClusterThenTheDefault() {
    Configuration cluster = new Configuration();
    cluster.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "s3://bucket/checkpoints");

    Configuration given = new Configuration();
    given.set(CheckpointOptions.DIR, "file:///shared/checkpoints");
    assertThat(CheckpointOptions.from(CheckpointOptions.inheritClusterDir(given, cluster)).dir())
        .isEqualTo("file:///shared/checkpoints");

    Configuration notGiven = new Configuration();
    Configuration inherited = CheckpointOptions.inheritClusterDir(notGiven, cluster);
    assertThat(CheckpointOptions.from(inherited).dir()).isEqualTo("s3://bucket/checkpoints");
    // ... and applyTo then writes the cluster's directory back, not the local default.
    assertThat(
            CheckpointOptions.from(inherited)
                .applyTo(new Configuration())
                .get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
        .isEqualTo("s3://bucket/checkpoints");

    Configuration neither =
        CheckpointOptions.inheritClusterDir(new Configuration(), new Configuration());
    assertThat(CheckpointOptions.from(neither).dir())
        .isEqualTo(CheckpointOptions.DIR.defaultValue());
  }
}
