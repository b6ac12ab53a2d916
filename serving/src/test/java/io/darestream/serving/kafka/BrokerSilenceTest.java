package io.darestream.serving.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which partitions of a feed the brokers stopped answering for, on a clock the test sets. */
class BrokerSilenceTest {
  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);
  private static final TopicPartition P2 = new TopicPartition("t", 2);

  private final BrokerSilence silence = new BrokerSilence("t");

  @Test
  void silentPartitionsAreNamedWithTheTimeSinceTheirLastAnswer() {
    silence.assigned(List.of(P0, P1, P2), 1_000);
    silence.answered(List.of(P2), 3_000);
    silence.probed(Map.of(P2, "timeout", P1, "timeout"), 4_000, 5_000);
    // P1 last answered at assignment (1 s), P2 with its records (3 s).
    assertThat(silence.describe(11_000))
        .contains("partitions 1, 2 of 3: no answer from Kafka for 10 s (timeout)");
    assertThat(silence.seconds(11_000)).isEqualTo(10.0);

    silence.answered(List.of(P1), 12_000);
    assertThat(silence.describe(13_000))
        .contains("partition 2 of 3: no answer from Kafka for 10 s (timeout)");
    silence.probed(Map.of(), 14_000, 15_000);
    assertThat(silence.describe(16_000)).isEmpty();
    assertThat(silence.seconds(16_000)).isZero();
  }

  @Test
  void recordsAfterTheQuestionMakeItsSilenceOldNews() {
    silence.assigned(List.of(P0), 1_000);
    silence.answered(List.of(P0), 2_500); // records while the probe of 2 s was in flight
    silence.probed(Map.of(P0, "timeout"), 2_000, 4_000);
    assertThat(silence.describe(5_000)).isEmpty();
  }

  @Test
  void theLatestReasonIsShown() {
    silence.assigned(List.of(P0), 1_000);
    silence.probed(Map.of(P0, "timeout"), 2_000, 3_000);
    silence.probed(Map.of(P0, "not the leader"), 4_000, 5_000);
    assertThat(silence.describe(6_000)).contains("no answer from Kafka for 5 s (not the leader)");
  }

  @Test
  void aProbeWithoutAnyAnswerSilencesEveryPartitionWithoutNamingThem() {
    silence.assigned(List.of(P0, P1), 1_000);
    silence.unanswered("no answer within 2000 ms", 2_000, 4_000);
    assertThat(silence.describe(6_000))
        .contains("no answer from Kafka for 5 s (no answer within 2000 ms)");
    assertThat(silence.describe(6_000).get()).doesNotStartWith("partition");
    silence.clear();
    assertThat(silence.describe(6_000)).isEmpty();
  }
}
