package io.darestream.app.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.schemas.serde.Codecs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A resumed replay skips, per partition, exactly the events the topic holds, and refuses a topic
 * that holds another input.
 */
class ResumedSourceTest {
  private static final int PARTITIONS = 2;

  private static List<BehaviorEvent> events(int n) {
    List<BehaviorEvent> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(
          new BehaviorEvent(
              "e" + i, (long) (i % 7), 100L + i, 3L, BehaviorType.CLICK, 1_000L * i, null));
    }
    return events;
  }

  private static int partition(BehaviorEvent e) {
    return KafkaReplayer.partitionOf(KafkaReplayer.keyOf(e), PARTITIONS);
  }

  /**
   * What a killed replay leaves: per partition a prefix of that partition's events, of a different
   * length in each (a batch of one partition was in flight when the producer died).
   */
  private static ReplayPosition killedAfter(List<BehaviorEvent> events, int... perPartition) {
    long[] present = new long[PARTITIONS];
    byte[][] last = new byte[PARTITIONS][];
    for (BehaviorEvent e : events) {
      int p = partition(e);
      if (present[p] < perPartition[p]) {
        present[p]++;
        last[p] = Codecs.BEHAVIOR_EVENT.encode(e);
      }
    }
    return ReplayPosition.of("behavior-events", present, last);
  }

  private static List<BehaviorEvent> drain(EventSource source) {
    List<BehaviorEvent> out = new ArrayList<>();
    while (source.hasNext()) {
      out.add(source.next());
    }
    return out;
  }

  @Test
  void skipsPerPartitionWhatTheTopicHoldsAndNothingElse() {
    List<BehaviorEvent> input = events(60);
    ReplayPosition position = killedAfter(input, 12, 5);

    List<BehaviorEvent> rest = drain(position.skipPresent(IteratorSource.of(input, "list")));

    assertThat(position.total()).isEqualTo(17);
    assertThat(rest).hasSize(60 - 17);
    List<BehaviorEvent> expected = new ArrayList<>();
    int[] seen = new int[PARTITIONS];
    for (BehaviorEvent e : input) {
      int p = partition(e);
      if (seen[p]++ >= (p == 0 ? 12 : 5)) {
        expected.add(e);
      }
    }
    assertThat(rest).containsExactlyElementsOf(expected);
  }

  @Test
  void anEmptyTopicSkipsNothing() {
    List<BehaviorEvent> input = events(10);
    assertThat(drain(killedAfter(input, 0, 0).skipPresent(IteratorSource.of(input, "list"))))
        .containsExactlyElementsOf(input);
  }

  @Test
  void refusesATopicFilledFromAnotherInput() {
    List<BehaviorEvent> other = events(60);
    List<BehaviorEvent> input = new ArrayList<>(other);
    input.set(0, new BehaviorEvent("x", 0L, 9L, 9L, BehaviorType.CLICK, 0L, null));
    int p = partition(input.get(0));
    int[] counts = {0, 0};
    counts[p] = 1;
    ReplayPosition position = killedAfter(other, counts);

    assertThatThrownBy(() -> drain(position.skipPresent(IteratorSource.of(input, "list"))))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("does not hold a prefix of this input");
  }

  @Test
  void refusesATopicThatHoldsMoreThanTheInput() {
    ReplayPosition position = killedAfter(events(60), 30, 30);
    List<BehaviorEvent> shorter = events(20);

    assertThatThrownBy(() -> drain(position.skipPresent(IteratorSource.of(shorter, "list"))))
        .isInstanceOf(ReplayException.class)
        .hasMessageContaining("the input has only");
  }
}
