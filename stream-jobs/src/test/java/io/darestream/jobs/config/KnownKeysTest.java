package io.darestream.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class KnownKeysTest {
  @Test
  void everyOptionsKeyIsKnownAndFlinksOwnKeysPassThrough() {
    assertThat(KnownKeys.keys())
        .contains(
            TrainerOptions.MICRO_BATCH_SIZE.key(),
            KafkaOptions.BOOTSTRAP_SERVERS.key(),
            DareJobOptions.PARALLELISM.key())
        .allSatisfy(k -> assertThat(k).startsWith("dare."));
    KnownKeys.rejectUnknown(
        Set.of(TrainerOptions.MICRO_BATCH_SIZE.key(), "execution.checkpointing.timeout"));
  }

  @Test
  void aMistypedKeyIsRefusedNamingTheNearestKnownKey() {
    assertThatThrownBy(
            () ->
                DareJobOptions.from(
                    Configuration.fromMap(
                        Map.of(
                            "dare.trainer.micro-batch-sise", "64",
                            "dare.kafka.bootstrap-server", "kafka:9092"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown setting dare.kafka.bootstrap-server"
                + " (did you mean dare.kafka.bootstrap-servers?);"
                + " unknown setting dare.trainer.micro-batch-sise"
                + " (did you mean dare.trainer.micro-batch-size?):"
                + " every dare.* key is listed in the README's configuration reference");
  }
}
