package io.darestream.state.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DirtyRowTrackerTest {
  @Test
  void theTwoConsumersDrainIndependently() {
    DirtyRowTracker t = new DirtyRowTracker();
    t.mark(1);
    t.mark(2);
    t.mark(1);
    assertThat(t.pendingFlush()).isEqualTo(2);
    assertThat(t.pendingPublish()).isEqualTo(2);

    assertThat(t.drainSincePublish()).containsExactlyInAnyOrder(1L, 2L);
    assertThat(t.pendingPublish()).isZero();
    t.mark(3);
    assertThat(t.drainSincePublish()).containsExactly(3L);
    assertThat(t.drainSinceFlush()).containsExactlyInAnyOrder(1L, 2L, 3L);
    assertThat(t.drainSinceFlush()).isEmpty();
    assertThat(t.drainSincePublish()).isEmpty();
  }

  @Test
  void markAllForPublishDoesNotAskForAFlush() {
    DirtyRowTracker t = new DirtyRowTracker();
    t.markAllForPublish(new long[] {5, 6});
    t.mark(6);
    assertThat(t.pendingFlush()).isEqualTo(1);
    assertThat(t.drainSinceFlush()).containsExactly(6L);
    assertThat(t.drainSincePublish()).containsExactlyInAnyOrder(5L, 6L);
  }

  @Test
  void agreesWithTwoPlainSetsThroughGrowthAndDrains() {
    DirtyRowTracker t = new DirtyRowTracker();
    Set<Long> flush = new HashSet<>();
    Set<Long> publish = new HashSet<>();
    SplittableRandom r = new SplittableRandom(3);
    for (int step = 0; step < 200_000; step++) {
      int op = r.nextInt(1000);
      if (op == 0) {
        assertThat(boxed(t.drainSinceFlush())).isEqualTo(flush);
        flush.clear();
      } else if (op == 1) {
        assertThat(boxed(t.drainSincePublish())).isEqualTo(publish);
        publish.clear();
      } else if (op == 2) {
        long[] ids = {r.nextLong(50_000), -r.nextLong(50_000), Long.MIN_VALUE};
        t.markAllForPublish(ids);
        for (long id : ids) {
          publish.add(id);
        }
      } else if (op < 50) {
        // A batch, as the trainer marks a table's updated rows (growth may happen mid-batch).
        long[] ids = new long[1 + r.nextInt(500)];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = r.nextLong(100_000) - 1_000;
          flush.add(ids[i]);
          publish.add(ids[i]);
        }
        t.markAll(ids, ids.length);
      } else {
        // Negative ids and 0 too: the tracker has no reserved id.
        long id = r.nextLong(100_000) - 1_000;
        t.mark(id);
        flush.add(id);
        publish.add(id);
      }
      assertThat(t.pendingFlush()).isEqualTo(flush.size());
      assertThat(t.pendingPublish()).isEqualTo(publish.size());
    }
    assertThat(boxed(t.drainSinceFlush())).isEqualTo(flush);
    assertThat(boxed(t.drainSincePublish())).isEqualTo(publish);
  }

  private static Set<Long> boxed(long[] ids) {
    Set<Long> out = new HashSet<>();
    for (long id : ids) {
      assertThat(out.add(id)).as("drained twice: %s", id).isTrue();
    }
    return out;
  }
}
