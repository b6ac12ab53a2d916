package io.darestream.model.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link RowIndex} against {@link HashMap} under random puts, overwrites and removals. */
class RowIndexTest {

  @Test
  void behavesLikeAHashMap() {
    RowIndex index = new RowIndex(4);
    Map<Long, Integer> expected = new HashMap<>();
    SplittableRandom r = new SplittableRandom(3);
    for (int op = 0; op < 200_000; op++) {
      // A small id range (0 and negatives included) forces collisions, overwrites and removals.
      long id = r.nextInt(3_000) - 100;
      int action = r.nextInt(4);
      if (action == 0) {
        int slot = r.nextInt(1_000_000);
        assertThat(index.put(id, slot)).isEqualTo(expected.getOrDefault(id, RowIndex.MISSING));
        expected.put(id, slot);
      } else if (action == 1) {
        Integer gone = expected.remove(id);
        assertThat(index.remove(id)).isEqualTo(gone == null ? RowIndex.MISSING : gone);
      } else if (action == 2) {
        int slot = r.nextInt(1_000_000);
        Integer present = expected.putIfAbsent(id, slot);
        assertThat(index.putIfAbsent(id, slot))
            .isEqualTo(present == null ? RowIndex.MISSING : present);
      } else {
        assertThat(index.get(id)).isEqualTo(expected.getOrDefault(id, RowIndex.MISSING));
      }
    }
    assertThat(index.size()).isEqualTo(expected.size());
    long[] ids = new long[3_200];
    int[] slots = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i - 150;
    }
    index.getAll(ids, ids.length, slots);
    for (int i = 0; i < ids.length; i++) {
      assertThat(slots[i]).isEqualTo(expected.getOrDefault(ids[i], RowIndex.MISSING));
    }
    Map<Long, Integer> seen = new HashMap<>();
    index.forEach(seen::put);
    assertThat(seen).isEqualTo(expected);
    index.clear();
    assertThat(index.size()).isZero();
    assertThat(index.get(0)).isEqualTo(RowIndex.MISSING);
  }

  @Test
  void ensureCapacityKeepsEntriesAndAvoidsLaterResizes() {
    RowIndex index = new RowIndex(4);
    for (long id = 0; id < 10; id++) {
      index.put(id, (int) id);
    }
    index.ensureCapacity(100_000);
    for (long id = 0; id < 10; id++) {
      assertThat(index.get(id)).isEqualTo((int) id);
    }
    for (long id = 10; id < 100_000; id++) {
      index.put(id, (int) id);
    }
    assertThat(index.size()).isEqualTo(100_000);
    assertThat(index.get(99_999)).isEqualTo(99_999);
    index.ensureCapacity(5); // never shrinks
    assertThat(index.get(12_345)).isEqualTo(12_345);
  }
}
