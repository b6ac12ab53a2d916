package io.darestream.serving.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The properties serving's Kafka clients get from the settings. */
class KafkaSettingsTest {
  private final KafkaSettings settings =
      new KafkaSettings(
          "broker:9093",
          "d",
          "s",
          "e",
          Map.of(
              "security.protocol", "SSL",
              "max.poll.records", "10",
              "config.providers", "file",
              "config.providers.file.class",
                  "org.apache.kafka.common.config.provider.FileConfigProvider"));

  @Test
  void theFeedProbesAdminClientGetsAllButTheConsumersOwnSettings() {
    Properties admin = settings.adminProperties("probe-1");
    assertThat(admin)
        .containsEntry("bootstrap.servers", "broker:9093")
        .containsEntry("client.id", "probe-1")
        .containsEntry("security.protocol", "SSL")
        .containsEntry("config.providers", "file")
        .containsKey("config.providers.file.class")
        .doesNotContainKeys("max.poll.records", "isolation.level", "value.deserializer");
    assertThat(settings.consumerProperties("c")).containsEntry("max.poll.records", "10");
  }
}
